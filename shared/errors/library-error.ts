/**
 * Every error the library throws is a `SqliteOpfsMigrateError` with a stable `code`. Subclasses carry the facts an app
 * needs to react (versions, the failing statement, SQLite's result code). They cross the worker boundary intact (see
 * `call-result.ts`), so `instanceof` and the fields work on the page.
 *
 * @example
 * try {
 *   await openDatabase({ name: 'app.db', worker })
 * } catch (e) {
 *   if (e instanceof DatabaseTooNewError) alert(`Please reload: data is v${e.databaseVersion}, app knows v${e.latestVersion}`)
 *   else if (e instanceof MigrationFailedError) report(e.version, e.statement, e.sqliteCode)
 *   else throw e
 * }
 */
export class SqliteOpfsMigrateError extends Error {
  // Every class names itself in its body, with a literal (not `constructor.name`, which a minifier may rename), so
  // importing the library changes no prototype.
  override name = 'SqliteOpfsMigrateError'
  /** Stable, machine-readable identifier of the failure. Never changes between releases. */
  readonly code: string = 'UNKNOWN'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}
