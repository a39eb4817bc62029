import { classifyMigrationFile, type FoundEntry } from './classify-migration-file'
import { readDrizzleJournalFolder } from './drizzle-journal'
import type { IgnoredFile, MigrationEntry, MigrationFileInput, MigrationFileProblem, MigrationFolder } from './migration-entry'
import {
  DRIZZLE_JOURNAL,
  MIGRATION_SQL,
  NAMELESS_FOLDER,
  NUMBERED_FILE,
  PRISMA_LOCK,
  UP_IN_FOLDER,
  VERSION_FOLDER,
  VERSIONED_FOLDER,
} from './migration-file-names'
import { MAX_VERSION } from './validate-migrations'
import { compareVersionKeys, isSingleNumber, versionParts } from './version-key'

export type {
  FolderRule,
  IgnoredFile,
  MigrationEntry,
  MigrationFileInput,
  MigrationFileProblem,
  MigrationFolder,
  MigrationFormat,
} from './migration-entry'

/** Options of `readMigrationFolder`. */
export interface ReadMigrationFolderOptions {
  /**
   * The migrations folder, as the files' paths write it (`'migrations'`, `'./sqlite'`; `''` when the paths are relative
   * to it). Default: the shallowest folder holding migrations (a glob's paths are relative to the importing file).
   */
  root?: string | undefined
}

type Found = FoundEntry & { path: string; value: unknown }

/**
 * Finds the migrations among a folder's files, in every layout `MigrationFormat` lists, and orders them by version
 * compared as numbers (`0.3` before `0.28`, `0.22/01` before `0.23/00`, dated timestamps as `YYYYMMDDHHMMSS`).
 * Versions become `user_version` as they are when every file's version is a plain integer from 1 to 2^31−1; otherwise
 * (dotted versions, version folders, timestamps, a `0000` start, Prisma, Drizzle) migrations are numbered by position
 * from 1 and keep their written version in the name (`0.28_add_tags`, `0.22-01_add_tags`), so the history still says
 * which file ran. Files that are not migrations are listed in `ignored` with the reason; a file that looks like a
 * migration but would not run, or a folder with no migration at all, is a problem. Never throws.
 *
 * @example
 * readMigrationFolder([{ path: './1_init.up.sql', value: 'CREATE TABLE t(a);' }, { path: './1_init.down.sql', value: '…' }])
 * // → { entries: [{ version: 1, name: 'init', format: 'up-down', … }],
 * //     ignored: [{ path: './1_init.down.sql', reason: 'down migration (only up migrations run)' }], problems: [] }
 */
export function readMigrationFolder(files: readonly MigrationFileInput[], options: ReadMigrationFolderOptions = {}): MigrationFolder {
  const journal = files.find((f) => DRIZZLE_JOURNAL.test(f.path))
  if (journal) return requireSomething(readDrizzleJournalFolder(files, journal), files)
  const root = findRoot(files, options.root)
  if (typeof root !== 'number') return { entries: [], ignored: [], problems: [root] }
  const paths = new Set(files.map((f) => f.path))
  const relative = (path: string) => path.split('/').slice(root)
  const context = {
    versionFolders: files.some((f) => {
      const rel = relative(f.path)
      return rel.length === 2 && VERSION_FOLDER.test(rel[0]!) && NUMBERED_FILE.test(rel[1]!)
    }),
    prisma: files.some((f) => relative(f.path).join('/') === PRISMA_LOCK),
    has: (path: string) => paths.has(path),
  }
  const found: Found[] = []
  const ignored: IgnoredFile[] = []
  const problems: MigrationFileProblem[] = []
  for (const file of files) {
    const role = classifyMigrationFile(file.path, relative(file.path), context)
    if ('entry' in role)
      found.push({
        ...role.entry,
        path: file.path,
        value: file.value,
        ...(dieselNoTransaction(file.path, files) ? { transaction: false as const } : {}),
      })
    else if ('ignored' in role) ignored.push({ path: file.path, reason: role.ignored })
    else problems.push({ path: file.path, ...role.problem })
  }
  problems.push(...foldersWithoutMigration(files, relative, found, context.prisma), ...toolFileProblems(files))
  found.sort((a, b) => compareVersionKeys(a.key, b.key))
  const unique = found.filter((entry, i) => {
    const previous = found[i - 1]
    if (!previous || compareVersionKeys(previous.key, entry.key) !== 0) return true
    problems.push({
      path: entry.path,
      rule: 'duplicate-version',
      message: `${entry.path}: duplicate version ${entry.key
        .split('/')
        .map((k) => versionParts(k).join('.'))
        .join('·')} (also ${previous.path})`,
    })
    return false
  })
  const mixed = mixedVersions(unique)
  if (mixed) return { entries: [], ignored, problems: [...problems, mixed] }
  return requireSomething({ entries: numberVersions(unique), ignored, problems }, files)
}

/**
 * How many leading path segments the migrations folder takes. Given, it is exact. Inferred, it is the shallowest
 * level holding a migration file (`<version>_<name>/up.sql` counts one level up); files there sitting in folders named
 * only by a version (`0.22/`, `0.23/`) make those version folders. One such folder alone is ambiguous: it may be the
 * migrations folder itself (`v2/0001_a.sql` read as versions 1, …) or its first version folder, and guessing wrong
 * would rename every migration once a second folder appears.
 */
function findRoot(files: readonly MigrationFileInput[], given: string | undefined): number | MigrationFileProblem {
  if (given !== undefined) return givenRoot(files, given)
  if (files.length === 0) return 0
  const depth = (path: string) => path.split('/').length - 1
  // A file of a `<version>_<name>/` folder counts one level up; the same name elsewhere (a stray `down.sql` beside the
  // migrations) does not move the folder.
  const inFolder = (path: string) =>
    (UP_IN_FOLDER.test(base(path)) ||
      MIGRATION_SQL.test(base(path)) ||
      /^(down\.[a-z]+|snapshot\.json|metadata\.toml)$/i.test(base(path))) &&
    (VERSIONED_FOLDER.test(parent(path)) || NAMELESS_FOLDER.test(parent(path)))
  const root = Math.min(...files.map((f) => depth(f.path) - (inFolder(f.path) ? 1 : 0)))
  const parents = new Set(
    files.filter((f) => depth(f.path) === root && NUMBERED_FILE.test(base(f.path))).map((f) => f.path.replace(/\/[^/]*$/, '')),
  )
  const versionNamed = [...parents].filter((p) => VERSION_FOLDER.test(base(p)))
  if (versionNamed.length === 0 || versionNamed.length < parents.size) return root
  if (versionNamed.length > 1) return root - 1
  const folder = versionNamed[0]!
  const above = folder.includes('/') ? folder.replace(/\/[^/]*$/, '') : '.'
  return {
    path: `${folder}/`,
    rule: 'ambiguous-root',
    message:
      `${folder}/: the migrations sit in a folder named like a version (${base(folder)}); say which folder holds them: ` +
      `migrationsFromGlob(glob, { root: '${folder}' }) if it is the migrations folder itself, or { root: '${above}' } ` +
      `if it is the first of its version folders (0.22/, 0.23/, …)`,
  }
}

const base = (path: string) => path.slice(path.lastIndexOf('/') + 1)
const parent = (path: string) => base(path.slice(0, Math.max(0, path.lastIndexOf('/'))))

/**
 * The depth of a given migrations folder, matched against the paths (`'sqlite'` and `'./sqlite'` alike). Every file
 * must be inside it: read by depth alone, a file of another folder would lose part of its path (`0.23/02_c.sql` under a
 * root of `0.22` read as a file of `0.22/`).
 */
function givenRoot(files: readonly MigrationFileInput[], given: string): number | MigrationFileProblem {
  const withoutDot = (path: string) => path.replace(/^(\.\/)+/, '')
  const folder = withoutDot(given.replace(/\/+$/, '')).replace(/^\.$/, '')
  const outside = folder === '' ? undefined : files.find((f) => !withoutDot(f.path).startsWith(`${folder}/`))
  if (outside)
    return {
      path: outside.path,
      rule: 'ambiguous-root',
      message: `${outside.path}: not in the migrations folder given as root ('${given}'); give the folder that holds every migration, or glob only that folder`,
    }
  const dotted = files.length > 0 && files.every((f) => f.path.startsWith('./'))
  return (folder === '' ? 0 : folder.split('/').length) + (dotted ? 1 : 0)
}

/**
 * diesel's `metadata.toml` beside an `up.sql` with `run_in_transaction = false`: the migration runs outside a
 * transaction, as diesel runs it (glob the `.toml` files as text too, as for Prisma's lock).
 */
function dieselNoTransaction(path: string, files: readonly MigrationFileInput[]): boolean {
  if (!/(^|\/)up\.sql$/i.test(path)) return false
  const metadata = files.find((f) => f.path === path.replace(/[^/]+$/, 'metadata.toml'))
  const text = typeof metadata?.value === 'string' ? metadata.value : (metadata?.value as { default?: unknown } | null | undefined)?.default
  return typeof text === 'string' && /^\s*run_in_transaction\s*=\s*false\s*(#.*)?$/m.test(text)
}

/**
 * A `<version>_<name>/` folder holding files but no migration file (a Prisma folder whose `migration.sql` was lost in a
 * merge, a diesel folder with only `down.sql`): skipping it would leave that version out with nothing to say so, and
 * Prisma refuses such a folder too (P3015).
 */
function foldersWithoutMigration(
  files: readonly MigrationFileInput[],
  relative: (path: string) => string[],
  found: readonly Found[],
  prisma: boolean,
): MigrationFileProblem[] {
  // Prisma's folders without a name too (`20230319053449_/`, and `20250902192117/` beside the lock: not a version folder).
  const migrationFolder = (name: string) => VERSIONED_FOLDER.test(name) || (NAMELESS_FOLDER.test(name) && (name.endsWith('_') || prisma))
  // A folder beside a migration file of its name (`0003_import.ts` + `0003_import/data.json`) holds that file's data.
  const read = new Set(found.flatMap((e) => [e.path.slice(0, e.path.lastIndexOf('/') + 1), `${e.path.replace(/(\.up)?\.[^./]+$/i, '')}/`]))
  const unread = new Map<string, string[]>()
  for (const file of files) {
    const rel = relative(file.path)
    if (rel.length !== 2 || !migrationFolder(rel[0]!) || rel[1]!.startsWith('.')) continue
    const folder = file.path.slice(0, file.path.length - rel[1]!.length)
    if (!read.has(folder)) unread.set(folder, [...(unread.get(folder) ?? []), rel[1]!])
  }
  return [...unread].map(([folder, names]) => ({
    path: folder,
    rule: 'missing-migration',
    message:
      `${folder}: holds no migration.sql or up.sql (only ${names.join(', ')}), so this version would never run; ` +
      `restore its migration file, or remove the folder if the migration was dropped on purpose`,
  }))
}

/**
 * Prisma's `migration_lock.toml` must name SQLite, wherever it sits among the files (two globs with different prefixes
 * put it at another depth than the migrations: a lock for PostgreSQL must not be passed over for that).
 */
function toolFileProblems(files: readonly MigrationFileInput[]): MigrationFileProblem[] {
  const problems: MigrationFileProblem[] = []
  for (const file of files) {
    const text = typeof file.value === 'string' ? file.value : (file.value as { default?: unknown } | null)?.default
    if (base(file.path) === PRISMA_LOCK) {
      const provider = typeof text === 'string' ? /^\s*provider\s*=\s*"([^"]*)"/m.exec(text)?.[1] : undefined
      if (provider === undefined)
        problems.push({
          path: file.path,
          rule: 'prisma-lock',
          message: `${file.path}: cannot read its provider (glob it as text: { query: '?raw', import: 'default' })`,
        })
      else if (provider !== 'sqlite')
        problems.push({
          path: file.path,
          rule: 'prisma-lock',
          message: `${file.path}: these migrations were generated for provider "${provider}"; this library runs SQLite: generate them with provider = "sqlite"`,
        })
    }
  }
  return problems
}

/** Plain and dotted versions together would renumber every deployed migration (Flyway folders mix them by design). */
function mixedVersions(entries: readonly Found[]): MigrationFileProblem | null {
  const dotted = entries.filter((e) => !isSingleNumber(e.key))
  if (dotted.length === 0 || dotted.length === entries.length || entries.every((e) => e.format === 'flyway')) return null
  const plain = entries.find((e) => isSingleNumber(e.key))!
  return {
    path: dotted[0]!.path,
    rule: 'mixed-versions',
    message: `${dotted[0]!.path}: ${dotted[0]!.format === 'version-folder' ? 'a version folder' : `dotted version ${dotted[0]!.key}`} in a folder of plain versions (e.g. ${plain.path}); use one scheme`,
  }
}

/** Plain integer versions are kept; anything else is numbered by position (see `readMigrationFolder`). */
function numberVersions(entries: readonly Found[]): MigrationEntry[] {
  const plain = entries.every((e) => {
    const parts = versionParts(e.key)
    return isSingleNumber(e.key) && parts[0]!.length <= 10 && Number(parts[0]) >= 1 && Number(parts[0]) <= MAX_VERSION
  })
  // A folder without a name (Prisma's `20250902192117/`) is named by its version alone.
  return entries.map((e, i) =>
    plain
      ? { ...e, version: Number(versionParts(e.key)[0]), name: e.name || e.key }
      : { ...e, version: i + 1, name: e.name ? `${e.key.replace('/', '-')}_${e.name}` : e.key },
  )
}

/** A folder from which nothing could be read is an error naming what it skipped: never an empty list that opens as is. */
function requireSomething(folder: MigrationFolder, files: readonly MigrationFileInput[]): MigrationFolder {
  if (folder.entries.length > 0 || folder.problems.length > 0) return folder
  const skipped = folder.ignored.slice(0, 8).map((f) => `${f.path} (${f.reason})`)
  const more = folder.ignored.length > skipped.length ? `, and ${folder.ignored.length - skipped.length} more` : ''
  const message =
    files.length === 0
      ? 'no migration files: the folder is empty (or the glob matched nothing; check its path, relative to the importing file)'
      : `no migration could be read from ${files.length} file(s): ${skipped.join('; ')}${more}`
  return { ...folder, problems: [{ path: files[0]?.path ?? '', rule: 'no-migrations', message }] }
}
