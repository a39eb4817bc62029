import type { MigrationEntry, MigrationFileProblem } from './migration-entry'
import {
  DOWN,
  extensionOf,
  FLYWAY_CALLBACK,
  looksLikeMigration,
  MIGRATION_SQL,
  NAMELESS_FOLDER,
  NUMBERED_FILE,
  PRISMA_LOCK,
  readFlywayName,
  TEST_OR_TYPES,
  UP_IN_FOLDER,
  VERSION_FOLDER,
  VERSIONED_FOLDER,
} from './migration-file-names'

/** A migration before it is numbered. */
export type FoundEntry = Omit<MigrationEntry, 'version' | 'value' | 'path'>

/** What one file of a migrations folder is. */
export type FileRole = { entry: FoundEntry } | { ignored: string } | { problem: Omit<MigrationFileProblem, 'path'> }

/** What the folder around a file says about it. */
export interface FolderContext {
  /** The folder holds version folders (`0.22/00_a.sql`): an unversioned `.sql` beside them is not a migration. */
  versionFolders: boolean
  /** `migration_lock.toml` sits in the folder: `<version>_<name>/migration.sql` is Prisma's. */
  prisma: boolean
  /** True when a file with this path exists (for Drizzle v1's `snapshot.json` beside `migration.sql`). */
  has: (path: string) => boolean
}

const ignore = (reason: string): FileRole => ({ ignored: reason })
const problem = (rule: MigrationFileProblem['rule'], message: string): FileRole => ({ problem: { rule, message } })
const kindOf = (base: string): 'sql' | 'code' => (extensionOf(base) === 'sql' ? 'sql' : 'code')

/**
 * Says what a file is, from its path relative to the migrations folder (`rel`, its segments): a migration of one of
 * the layouts `MigrationFormat` lists, a file that is not a migration (with the reason), or a problem — never a
 * migration-looking file that is quietly skipped.
 *
 * @example
 * classifyMigrationFile('m/2018-01-14-171611_users/up.sql', ['2018-01-14-171611_users', 'up.sql'], context)
 * // → { entry: { key: '2018-01-14-171611', name: 'users', format: 'directory', kind: 'sql' } }
 */
export function classifyMigrationFile(path: string, rel: readonly string[], context: FolderContext): FileRole {
  const base = rel.at(-1)!
  if (DOWN.test(base)) return ignore('down migration (only up migrations run)')
  if (TEST_OR_TYPES.test(base))
    return extensionOf(base) === 'sql' && looksLikeMigration(base)
      ? problem(
          'unread-file',
          `${path}: named like a migration but also like a test (.test.sql, .spec.sql), so it would never run; rename it, or move it out of the migrations folder`,
        )
      : ignore('test or type declarations, not a migration')
  if (rel.length === 1) return topLevelFile(path, base, context)
  if (rel.length === 2) {
    const folder = rel[0]!
    if (VERSIONED_FOLDER.test(folder)) return fileInMigrationFolder(path, folder, base, context)
    if (NAMELESS_FOLDER.test(folder) && MIGRATION_SQL.test(base)) return migrationSql(path, NAMELESS_FOLDER.exec(folder)![1]!, '', context)
    if (VERSION_FOLDER.test(folder)) return fileInVersionFolder(path, folder, base)
  }
  const where = rel.slice(0, -1).join('/')
  if (looksLikeMigration(base) || FLYWAY_CALLBACK.test(base))
    return problem(
      'unread-file',
      `${path}: looks like a migration, but ${where}/ is not a migration folder (<version>_<name>/ or a version folder ` +
        `such as 0.22/ directly in the migrations folder), so it would never run; move it, or point the glob (or the ` +
        `plugin's dir) at the folder that holds the migrations`,
    )
  return ignore(`in ${where}/, which is not a migration folder`)
}

function topLevelFile(path: string, base: string, context: FolderContext): FileRole {
  if (base === PRISMA_LOCK) return ignore('Prisma lock file (its provider is checked)')
  if (FLYWAY_CALLBACK.test(base))
    return problem(
      'unsupported-migration',
      `${path}: a Flyway callback, which Flyway runs around every migrate; this library runs each migration once and ` +
        `has no callbacks: put its SQL in a versioned migration, or in the app's code after open()`,
    )
  // `V1__init.up.sql` beside `V1__init.down.sql` is golang-migrate's up/down pair (Flyway would find V1 twice): read
  // below as `up-down`, as before Flyway names were read.
  const flyway = /\.up\.sql$/i.test(base) ? null : readFlywayName(base)
  if (flyway?.prefix === 'V') return { entry: { key: flyway.key!, name: flyway.name, format: 'flyway', kind: 'sql' } }
  if (flyway?.prefix === 'U') return ignore('Flyway undo migration (not run, like down migrations)')
  if (flyway?.prefix === 'R')
    return problem(
      'unsupported-migration',
      `${path}: a Flyway repeatable migration, re-run whenever it changes; this library runs each migration once: ` +
        `make it a versioned migration (V<n>__…) that drops and recreates what it defines, and add a new one for each change`,
    )
  if (flyway?.prefix === 'B')
    return problem(
      'unsupported-migration',
      `${path}: a Flyway baseline migration, which replaces the versions before it on new databases; this library ` +
        `applies every version in order: remove it (a fresh database runs V1, V2, … as every other does)`,
    )
  const match = NUMBERED_FILE.exec(base)
  if (match) return { entry: { key: match[1]!, name: match[2]!, format: match[3] ? 'up-down' : 'numbered', kind: kindOf(base) } }
  if (UP_IN_FOLDER.test(base) || MIGRATION_SQL.test(base))
    return problem('unread-file', `${path}: ${base} directly in the migrations folder has no version; put it in a <version>_<name>/ folder`)
  const extension = extensionOf(base)
  if (extension === 'sql' && context.versionFolders)
    return ignore('no version in its name, beside version folders: not a migration (e.g. a schema dump such as LATEST.sql), never run')
  if (extension === 'sql' || (/^(ts|js|mts|mjs)$/.test(extension) && /^[vV]?\d/.test(base)))
    return problem(
      'bad-file-name',
      `${path}: migration files must be named <version>_<name>.sql or .ts (e.g. 0001_create_notes.sql), ` +
        `<version>_<name>.up.sql, or <version>_<name>/up.sql`,
    )
  if (FOREIGN_CODE.test(extension) && /^[vV]?\d+[\d._]*[_-]/.test(base))
    return problem(
      'unsupported-migration',
      `${path}: a migration written in .${extension} (goose runs Go migrations between its SQL files, refinery Rust ones); ` +
        `this library cannot run it, and skipping it would leave its change out: rewrite it as a .sql file or a .ts up(db)`,
    )
  if (/^(cjs|cts|tsx|jsx)$/.test(extension) && /^[vV]?\d/.test(base))
    return problem(
      'unread-file',
      `${path}: a code migration in .${extension} is not loaded, so it would never run; use .ts, .js, .mts or .mjs`,
    )
  return ignore(
    /^(ts|js|mts|mjs|cjs|cts|tsx|jsx)$/.test(extension)
      ? 'code without a version in its name (a helper, not a migration)'
      : 'not SQL or code',
  )
}

/** Source files of other languages' migration tools (goose's `.go`, refinery's `.rs`, Alembic's `.py`, Rails' `.rb`…). */
const FOREIGN_CODE = /^(go|rs|py|rb|php|java|kt|scala|cs|ex|exs|swift|dart|lua)$/

/** A file in `<version>_<name>/`: diesel's `up.sql`, Prisma's and Drizzle v1's `migration.sql`, and what sits beside them. */
function fileInMigrationFolder(path: string, folder: string, base: string, context: FolderContext): FileRole {
  const [, key, name] = VERSIONED_FOLDER.exec(folder)!
  if (UP_IN_FOLDER.test(base)) return { entry: { key: key!, name: name!, format: 'directory', kind: kindOf(base) } }
  if (MIGRATION_SQL.test(base)) return migrationSql(path, key!, name!, context)
  if (base === 'snapshot.json') return ignore('Drizzle Kit snapshot (not SQL)')
  if (base === 'metadata.toml') return ignore('diesel metadata (its run_in_transaction is honoured)')
  if (extensionOf(base) === 'sql' || looksLikeMigration(base))
    return problem('unread-file', `${path}: SQL in ${folder}/ that is neither up.sql nor migration.sql, so it would never run`)
  return ignore(`beside the migration of ${folder}/, not a migration`)
}

/** Prisma's and Drizzle v1's `migration.sql` (`name` is `''` for a folder without one, see `NAMELESS_FOLDER`). */
function migrationSql(path: string, key: string, name: string, context: FolderContext): FileRole {
  const drizzle = context.has(path.replace(/[^/]+$/, 'snapshot.json'))
  const format = context.prisma ? 'prisma' : drizzle ? 'drizzle-folder' : 'directory'
  return { entry: { key, name, format, kind: 'sql' } }
}

/** A file in a version folder (`0.22/01_add_tags.sql`): its number combines with the folder's version. */
function fileInVersionFolder(path: string, folder: string, base: string): FileRole {
  const match = readFlywayName(base) ? null : NUMBERED_FILE.exec(base)
  if (match) return { entry: { key: `${folder}/${match[1]!}`, name: match[2]!, format: 'version-folder', kind: kindOf(base) } }
  if (extensionOf(base) === 'sql' || looksLikeMigration(base))
    return problem(
      'unread-file',
      `${path}: in version folder ${folder}/ but not named <number>_<name>.sql (e.g. 00__create_notes.sql), so it would never run`,
    )
  return ignore(`in version folder ${folder}/, not a migration`)
}
