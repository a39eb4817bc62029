/** One file of a migrations folder: its path ('/'-separated, any prefix) and what it holds (text, or a module). */
export interface MigrationFileInput {
  path: string
  value: unknown
}

/**
 * How a migration was laid out:
 * - `numbered`: `0001_create_notes.sql` / `.ts` (also sqlx, goose, dbmate file names);
 * - `up-down`: `0001_create_notes.up.sql` (golang-migrate, sqlx; the `.down.sql` beside it is not run);
 * - `directory`: `0001_create_notes/up.sql` or diesel's `2018-01-14-171611_create_notes/up.sql` (+ `down.sql`, not run);
 * - `version-folder`: `0.22/01_add_tags.sql`, numbered files in a folder named only by a version;
 * - `flyway`: `V1__init.sql`, `V1_1__add_tags.sql` (version 1.1), `V2.3__x.sql`;
 * - `prisma`: `20210101000000_init/migration.sql` beside `migration_lock.toml`;
 * - `drizzle-folder`: Drizzle Kit v1, `20250101120000_init/migration.sql` (+ `snapshot.json`, not run);
 * - `drizzle`: Drizzle Kit before v1, ordered by `meta/_journal.json`.
 */
export type MigrationFormat = 'numbered' | 'up-down' | 'directory' | 'version-folder' | 'flyway' | 'prisma' | 'drizzle-folder' | 'drizzle'

/** A migration found in a folder, before its contents are interpreted. */
export interface MigrationEntry {
  path: string
  /**
   * The version as the file or folder name writes it (`0007`, `0.28`, `20240105093000`, `2018-01-14-171611`, Drizzle's
   * tag number), Flyway's with `_` read as `.` (`1.1`), a version folder's joined to its file's with `/` (`0.22/01`).
   */
  key: string
  /** The integer version stored in `PRAGMA user_version` (see `readMigrationFolder`). */
  version: number
  name: string
  format: MigrationFormat
  kind: 'sql' | 'code'
  value: unknown
  /** `false` when the layout itself asks for no transaction (diesel's `metadata.toml`: `run_in_transaction = false`). */
  transaction?: false
}

/**
 * Why a file of the folder cannot be used (or why nothing could be read from the folder):
 * - `bad-file-name`: a `.sql` (or numbered code) file whose name has no version;
 * - `duplicate-version`: two migrations with the same version (`1.2` = `1.2.0`);
 * - `mixed-versions`: plain and dotted versions in one folder (numbering them would rename deployed migrations);
 * - `drizzle-journal`: `meta/_journal.json` and the `.sql` files disagree, or it is not for SQLite;
 * - `unread-file`: a file that looks like a migration where no layout reads it (it would silently never run);
 * - `unsupported-migration`: a migration kind this library cannot honour (Flyway repeatable `R__`, baseline `B…__`,
 *   callbacks such as `afterMigrate.sql`);
 * - `missing-migration`: a `<version>_<name>/` folder with files but no `up.sql` or `migration.sql` (it would be skipped);
 * - `prisma-lock`: `migration_lock.toml` names a provider other than SQLite (or cannot be read);
 * - `ambiguous-root`: the migrations sit directly in a folder named like a version (`v2/`), which may be the folder
 *   itself or one version folder of it: say which with `root` (also: a file outside the `root` given);
 * - `no-migrations`: the folder holds no migration at all (it names what it skipped).
 */
export interface MigrationFileProblem {
  path: string
  rule: FolderRule
  message: string
}

/** The rules of `MigrationFileProblem` (the checker reports them as errors under the same names). */
export type FolderRule =
  | 'bad-file-name'
  | 'duplicate-version'
  | 'mixed-versions'
  | 'drizzle-journal'
  | 'unread-file'
  | 'unsupported-migration'
  | 'missing-migration'
  | 'prisma-lock'
  | 'ambiguous-root'
  | 'no-migrations'

/** A file of the folder that is not a migration, and why (down and undo files, snapshots, docs, helpers, tests). */
export interface IgnoredFile {
  path: string
  reason: string
}

/** What `readMigrationFolder` found. */
export interface MigrationFolder {
  entries: MigrationEntry[]
  /** Files that are not migrations, each with the reason. Nothing that looks like a migration is ever only ignored. */
  ignored: IgnoredFile[]
  problems: MigrationFileProblem[]
}
