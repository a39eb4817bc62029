import { InvalidOptionsError } from '../../shared/errors'
import type { Database, Sqlite3 } from './sqlite'

/** SQLite's result code for a statement its progress handler stopped. */
export const SQLITE_INTERRUPT = 9

/**
 * VM steps between two looks at the clock: on a plain INSERT … SELECT in sqlite-wasm that is a look every ~15 µs, and
 * the looks cost under 1 % of its time (measured on 2 M rows in Node).
 */
const STEPS_PER_CHECK = 1000

/** A body ran past its deadline (see `withTimeLimit`). `cause` is what the body threw, if it threw. */
export class TimeLimitError extends Error {
  constructor(
    readonly limitMs: number,
    /** How long the body ran before it stopped or returned. */
    readonly elapsedMs: number,
    /** `true` when SQLite stopped a statement at the deadline; `false` when only JavaScript ran late. */
    readonly interrupted: boolean,
    options?: { cause?: unknown },
  ) {
    super(`exceeded its time limit of ${limitMs} ms`, options)
    this.name = 'TimeLimitError'
  }
}

/**
 * Runs `body` with a deadline of `limitMs` on `db`. Past the deadline SQLite stops: its progress handler (which looks
 * at the clock every 1000 VM steps) interrupts the running statement with `SQLITE_INTERRUPT`, and an authorizer
 * refuses to prepare any further statement (`SQLITE_AUTH`). The latter matters because an interrupted write ends the
 * open transaction: a body that caught the interrupt and went on would otherwise write outside it, in autocommit mode,
 * where no rollback can reach. JavaScript cannot be preempted: a loop that does not call SQLite is only caught when it
 * returns, and a statement shorter than 1000 steps that started before the deadline runs to its end. Some single steps
 * are long: the sort of a `CREATE INDEX` on 3 M rows overran a 500 ms deadline by 3.3 s (its whole run: 4.6 s).
 *
 * Interrupted, returned late, or failed late (an error thrown after the deadline, e.g. an `up()` wrapping the
 * interrupt in its own error), the result is a `TimeLimitError` with the body's error as `cause`, so the caller rolls
 * back. Both hooks are removed in every case; ones the app had set on `db` are replaced meanwhile, not restored.
 * `limitMs` 0 (or `undefined`) means no limit.
 *
 * @example
 * db.exec('BEGIN')
 * try {
 *   withTimeLimit(sqlite3, db, 500, () => db.exec('UPDATE big SET total = price * qty'))
 *   db.exec('COMMIT')
 * } catch (e) {
 *   // e instanceof TimeLimitError when the UPDATE took longer than 500 ms (SQLite may have rolled back already)
 *   if (!sqlite3.capi.sqlite3_get_autocommit(db.pointer!)) db.exec('ROLLBACK')
 *   throw e
 * }
 */
export function withTimeLimit<T>(
  sqlite3: Sqlite3,
  db: Database,
  limitMs: number | undefined,
  body: () => T,
  /**
   * Also asked by the authorizer, before the deadline is: SQLite's action code and its first two arguments (pointers to
   * C strings, or 0); return 1 (SQLITE_DENY) to refuse the statement. SQLite allows one authorizer per connection, so
   * whoever else needs one during `body` goes through here. Installed even without a limit.
   */
  authorize?: (action: number, arg1: number, arg2: number) => number,
): T {
  if (!limitMs && !authorize) return body()
  const { capi, wasm } = sqlite3
  const started = performance.now()
  const deadline = limitMs ? started + limitMs : Infinity
  const late = () => performance.now() > deadline
  let interrupted = false
  // 1 means "interrupt" to the progress handler and SQLITE_DENY to the authorizer.
  const refuseWhenLate = (): number => {
    if (!late()) return 0
    interrupted = true
    return 1
  }
  const authorizeStatement = (_: number, action: number, arg1: number, arg2: number): number =>
    authorize?.(action, arg1, arg2) || refuseWhenLate()
  // Our own function pointers, freed below: sqlite-wasm's wrapper of a JS authorizer decodes four C strings per call
  // (13 % slower on a loop of tiny statements, against 3 % this way).
  let progress: number | undefined
  let authorizer: number | undefined
  let result: T
  try {
    progress = wasm.installFunction('i(p)', refuseWhenLate) as number
    authorizer = wasm.installFunction('i(pipppp)', authorizeStatement) as number
    if (limitMs) capi.sqlite3_progress_handler(db.pointer!, STEPS_PER_CHECK, progress, 0)
    capi.sqlite3_set_authorizer(db.pointer!, authorizer as never, 0) // its typing only admits a JS function
    result = body()
  } catch (error) {
    if (interrupted || late()) throw new TimeLimitError(limitMs!, performance.now() - started, interrupted, { cause: error })
    throw error
  } finally {
    capi.sqlite3_progress_handler(db.pointer!, 0, 0, 0)
    capi.sqlite3_set_authorizer(db.pointer!, 0 as never, 0)
    if (progress !== undefined) wasm.uninstallFunction(progress)
    if (authorizer !== undefined) wasm.uninstallFunction(authorizer)
  }
  if (interrupted || late()) throw new TimeLimitError(limitMs!, performance.now() - started, interrupted)
  return result
}

/**
 * Checks a time limit option: a whole number of milliseconds ≥ 0 (0: none); `undefined` is 0. Throws
 * `InvalidOptionsError` naming the option.
 *
 * @example
 * const limit = checkTimeLimit(options.migrationTimeLimitMs, 'migrationTimeLimitMs') // 0 when not given
 */
export function checkTimeLimit(value: unknown, option: string): number {
  if (value === undefined) return 0
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidOptionsError(`${option} must be a whole number of milliseconds ≥ 0 (0: no limit), got ${String(value)}`)
  return value
}
