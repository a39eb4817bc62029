import { MAX_VERSION } from './validate-migrations'
import { compareVersionKeys, versionParts } from './version-key'

/** One file of a migrations folder: its path ('/'-separated, any prefix) and what it holds (text, or a module). */
export interface MigrationFileInput {
  path: string
  value: unknown
}

/**
 * How a migration was laid out:
 * - `numbered`: `0001_create_notes.sql` / `.ts`;
 * - `up-down`: `0001_create_notes.up.sql` (the `.down.sql` beside it is not run);
 * - `directory`: `0001_create_notes/up.sql` (+ `down.sql`, not run);
 * - `drizzle`: Drizzle Kit output, ordered by `meta/_journal.json`.
 */
export type MigrationFormat = 'numbered' | 'up-down' | 'directory' | 'drizzle'

/** A migration found in a folder, before its contents are interpreted. */
export interface MigrationEntry {
  path: string
  /** The version as the file name writes it (`0007`, `0.28`, `20240105093000`, Drizzle's tag number). */
  key: string
  /** The integer version stored in `PRAGMA user_version` (see `readMigrationFolder`). */
  version: number
  name: string
  format: MigrationFormat
  kind: 'sql' | 'code'
  value: unknown
}

/** Why a file of the folder cannot be used. */
export interface MigrationFileProblem {
  path: string
  rule: 'bad-file-name' | 'duplicate-version' | 'mixed-versions' | 'drizzle-journal'
  message: string
}

/** What `readMigrationFolder` found. */
export interface MigrationFolder {
  entries: MigrationEntry[]
  /** Files that are not migrations: down migrations, helpers, Drizzle snapshots, READMEs. */
  ignored: string[]
  problems: MigrationFileProblem[]
}

const EXTENSION = '(sql|ts|js|mts|mjs)'
const VERSIONED = `[vV]?(\\d+(?:\\.\\d+)*)[_-]+([A-Za-z0-9][A-Za-z0-9_.\\- ]*?)`
const FILE = new RegExp(`^${VERSIONED}(\\.up)?\\.${EXTENSION}$`, 'i')
const DIRECTORY = new RegExp(`^${VERSIONED}$`)
const UP_IN_DIRECTORY = new RegExp(`^up\\.${EXTENSION}$`, 'i')
const DOWN = new RegExp(`(^|\\.)down\\.${EXTENSION}$`, 'i')
/** Tests and specs beside migrations are not migrations. */
const NOT_MIGRATION = /\.(test|spec|d)\.[a-z]+$/
const JOURNAL = /(^|\/)meta\/_journal\.json$/

/**
 * Finds the migrations among a folder's files, in every layout `MigrationFormat` lists, and orders them by version
 * compared as numbers (`0.3` before `0.28`). Versions become `user_version` as they are when every file's version is a
 * plain integer from 1 to 2^31−1; otherwise (dotted versions, timestamps, a `0000` start, Drizzle) migrations are
 * numbered by position from 1 and keep their written version in the name (`0.28_add_tags`), so the history still says
 * which file ran. Never throws: problems are returned with the file they concern.
 *
 * @example
 * readMigrationFolder([{ path: './1_init.up.sql', value: 'CREATE TABLE t(a);' }, { path: './1_init.down.sql', value: '…' }])
 * // → { entries: [{ version: 1, name: 'init', format: 'up-down', … }], ignored: ['./1_init.down.sql'], problems: [] }
 */
export function readMigrationFolder(files: readonly MigrationFileInput[]): MigrationFolder {
  const journal = files.find((f) => JOURNAL.test(f.path))
  if (journal) return readDrizzleFolder(files, journal)
  const found: Omit<MigrationEntry, 'version'>[] = []
  const ignored: string[] = []
  const problems: MigrationFileProblem[] = []
  // The folder's own level: migration files live there, `<version>_<name>/up.sql` one level down; anything deeper
  // (drafts, archives, fixtures) is not a migration.
  const depth = (path: string) => path.split('/').length - 1
  const root = Math.min(...files.map((f) => depth(f.path) - (/^(up|down)\./i.test(f.path.split('/').at(-1)!) ? 1 : 0)))
  for (const file of files) {
    const parts = file.path.split('/')
    const base = parts.at(-1) ?? file.path
    const directory = parts.at(-2) ?? ''
    const extension = /\.([A-Za-z]+)$/.exec(base)?.[1]?.toLowerCase() ?? ''
    const kind = extension === 'sql' ? 'sql' : 'code'
    const level = depth(file.path) - root
    let match: RegExpExecArray | null
    if (DOWN.test(base) || NOT_MIGRATION.test(base) || level > 1 || (level === 1 && !UP_IN_DIRECTORY.test(base))) ignored.push(file.path)
    else if (level === 0 && (match = FILE.exec(base)))
      found.push({ path: file.path, key: match[1]!, name: match[2]!, format: match[3] ? 'up-down' : 'numbered', kind, value: file.value })
    else if (level === 1 && (match = DIRECTORY.exec(directory)))
      found.push({ path: file.path, key: match[1]!, name: match[2]!, format: 'directory', kind, value: file.value })
    else if (extension === 'sql' || (/^(ts|js|mts|mjs)$/.test(extension) && /^[vV]?\d/.test(base)))
      problems.push({
        path: file.path,
        rule: 'bad-file-name',
        message:
          `${file.path}: migration files must be named <version>_<name>.sql or .ts (e.g. 0001_create_notes.sql), ` +
          `<version>_<name>.up.sql, or <version>_<name>/up.sql`,
      })
    else ignored.push(file.path)
  }
  found.sort((a, b) => compareVersionKeys(a.key, b.key))
  const unique = found.filter((entry, i) => {
    const previous = found[i - 1]
    if (!previous || compareVersionKeys(previous.key, entry.key) !== 0) return true
    problems.push({
      path: entry.path,
      rule: 'duplicate-version',
      message: `${entry.path}: duplicate version ${versionParts(entry.key).join('.')} (also ${previous.path})`,
    })
    return false
  })
  const dotted = unique.filter((e) => versionParts(e.key).length > 1)
  if (dotted.length > 0 && dotted.length < unique.length) {
    // Mixing would renumber every migration by position, and every database already deployed would refuse the list.
    const plain = unique.find((e) => versionParts(e.key).length === 1)!
    problems.push({
      path: dotted[0]!.path,
      rule: 'mixed-versions',
      message: `${dotted[0]!.path}: dotted version ${dotted[0]!.key} in a folder of plain versions (e.g. ${plain.path}); use one scheme`,
    })
    return { entries: [], ignored, problems }
  }
  return { entries: numberVersions(unique), ignored, problems }
}

/** Plain integer versions are kept; anything else is numbered by position (see `readMigrationFolder`). */
function numberVersions(entries: Omit<MigrationEntry, 'version'>[]): MigrationEntry[] {
  const plain = entries.every((e) => {
    const parts = versionParts(e.key)
    return parts.length === 1 && parts[0]!.length <= 10 && Number(parts[0]) >= 1 && Number(parts[0]) <= MAX_VERSION
  })
  return entries.map((e, i) =>
    plain ? { ...e, version: Number(versionParts(e.key)[0]) } : { ...e, version: i + 1, name: `${e.key}_${e.name}` },
  )
}

interface DrizzleJournal {
  dialect?: string
  entries: { idx: number; tag: string }[]
}

/**
 * Drizzle Kit output: `meta/_journal.json` lists the migrations (`idx`, `tag`) and `<tag>.sql` holds each, its
 * statements separated by `--> statement-breakpoint` (an SQL comment, so SQLite's own statement iteration runs it
 * as it is). Version = position in the journal + 1 (Drizzle counts from 0000); name = the tag.
 */
function readDrizzleFolder(files: readonly MigrationFileInput[], journalFile: MigrationFileInput): MigrationFolder {
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
    journal = (typeof value === 'string' ? JSON.parse(value) : (value as { default?: unknown })?.default ?? value) as DrizzleJournal
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(journal?.entries)) return fail('has no "entries" list; is it a Drizzle Kit journal?')
  if (journal.dialect && !/^(sqlite|turso)$/.test(journal.dialect))
    return fail(`was generated for ${journal.dialect}; generate the migrations with dialect "sqlite"`)
  const byPath = new Map(files.map((f) => [f.path, f]))
  const listed = new Set<string>()
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
  const ignored: string[] = []
  for (const file of files) {
    if (listed.has(file.path)) continue
    if (file.path.endsWith('.sql') && file.path.startsWith(root) && !file.path.slice(root.length).includes('/'))
      problems.push({
        path: file.path,
        rule: 'drizzle-journal',
        message: `${file.path}: not listed in ${journalFile.path}, so Drizzle would never run it either; add it with drizzle-kit or remove it`,
      })
    else ignored.push(file.path)
  }
  return { entries, ignored, problems }
}
