import type { IgnoredFile, MigrationEntry, MigrationFileInput, MigrationFileProblem, MigrationFolder } from './migration-entry'
import { looksLikeMigration } from './migration-file-names'

interface DrizzleJournal {
  dialect?: string
  entries: { idx: number; tag: string }[]
}

/**
 * Drizzle Kit output before v1: `meta/_journal.json` lists the migrations (`idx`, `tag`) and `<tag>.sql` holds each,
 * its statements separated by `--> statement-breakpoint` (an SQL comment, so SQLite's own statement iteration runs it
 * as it is). Version = position in the journal + 1 (Drizzle counts from 0000); name = the tag.
 *
 * @example
 * readDrizzleJournalFolder(files, files.find((f) => f.path.endsWith('meta/_journal.json'))!)
 */
export function readDrizzleJournalFolder(files: readonly MigrationFileInput[], journalFile: MigrationFileInput): MigrationFolder {
  const root = journalFile.path.replace(/meta\/_journal\.json$/, '')
  const problems: MigrationFileProblem[] = []
  const fail = (message: string): MigrationFolder => ({
    entries: [],
    ignored: [],
    problems: [{ path: journalFile.path, rule: 'drizzle-journal', message: `${journalFile.path}: ${message}` }],
  })
  let journal: DrizzleJournal
  try {
    const value = journalFile.value
    journal = (typeof value === 'string' ? JSON.parse(value) : ((value as { default?: unknown })?.default ?? value)) as DrizzleJournal
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(journal?.entries)) return fail('has no "entries" list; is it a Drizzle Kit journal?')
  if (journal.dialect && !/^(sqlite|turso)$/.test(journal.dialect))
    return fail(`was generated for ${journal.dialect}; generate the migrations with dialect "sqlite"`)
  const byPath = new Map(files.map((f) => [f.path, f]))
  const listed = new Set<string>([journalFile.path])
  const entries: MigrationEntry[] = []
  for (const [i, entry] of [...journal.entries].sort((a, b) => a.idx - b.idx).entries()) {
    const path = `${root}${entry.tag}.sql`
    listed.add(path)
    const file = byPath.get(path)
    if (!file) {
      problems.push({ path, rule: 'drizzle-journal', message: `${path}: listed in ${journalFile.path} (idx ${entry.idx}) but missing` })
      continue
    }
    entries.push({ path, key: String(entry.idx), version: i + 1, name: entry.tag, format: 'drizzle', kind: 'sql', value: file.value })
  }
  const ignored: IgnoredFile[] = [{ path: journalFile.path, reason: 'Drizzle Kit journal (it orders the migrations)' }]
  for (const file of files) {
    if (listed.has(file.path)) continue
    if (file.path.endsWith('.sql') && file.path.startsWith(root) && !file.path.slice(root.length).includes('/'))
      problems.push({
        path: file.path,
        rule: 'drizzle-journal',
        message: `${file.path}: not listed in ${journalFile.path}, so Drizzle would never run it either; add it with drizzle-kit or remove it`,
      })
    else if (looksLikeMigration(file.path.slice(file.path.lastIndexOf('/') + 1)))
      problems.push({
        path: file.path,
        rule: 'unread-file',
        message: `${file.path}: looks like a migration, but only the .sql files beside meta/ are read (as ${journalFile.path} lists them), so it would never run`,
      })
    else
      ignored.push({
        path: file.path,
        reason: /_snapshot\.json$/.test(file.path) ? 'Drizzle Kit snapshot (not SQL)' : 'not listed in the Drizzle Kit journal',
      })
  }
  return { entries, ignored, problems }
}
