import { InvalidOptionsError } from '../../shared/errors'
import type { SqlValue } from '../../shared/types'
import type { Database, Sqlite3 } from './sqlite'

/** A scalar SQL function written in JavaScript; it runs synchronously in the worker. */
export type SqlFunction = (...args: SqlValue[]) => SqlValue | undefined

/** A scalar SQL function with its options. */
export interface SqlFunctionDefinition {
  fn: SqlFunction
  /** Same result for the same arguments: lets SQLite use it in indexes, generated columns and CHECKs. Default `false`. */
  deterministic?: boolean
  /** Number of arguments; default `-1` (any). */
  arity?: number
}

/** Orders two strings like `Array.prototype.sort`'s comparator: negative, zero or positive. */
export type Collation = (a: string, b: string) => number

/**
 * Custom SQL functions and collations registered on every connection the library opens (the database, dry-run and
 * import copies, the CLI's copies), before any migration runs: some real migration histories call them, and an
 * index on `slugify(title)` or `COLLATE unicode` cannot even be checked without them.
 *
 * @example
 * const extensions: SqlExtensions = {
 *   functions: { slugify: { fn: (s) => String(s).toLowerCase().replace(/\W+/g, '-'), deterministic: true, arity: 1 } },
 *   collations: { unicode: (a, b) => a.localeCompare(b) },
 * }
 */
export interface SqlExtensions {
  functions?: Readonly<Record<string, SqlFunction | SqlFunctionDefinition>> | undefined
  collations?: Readonly<Record<string, Collation>> | undefined
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

/**
 * Registers the functions and collations on a connection. Throws `InvalidOptionsError` for a bad name or definition
 * (checked by `validateExtensions` before anything is opened).
 *
 * @example
 * registerExtensions(sqlite3, db, { collations: { unicode: (a, b) => a.localeCompare(b) } })
 */
export function registerExtensions(sqlite3: Sqlite3, db: Database, extensions: SqlExtensions | undefined): void {
  if (!extensions) return
  for (const [name, definition] of Object.entries(extensions.functions ?? {})) {
    const { fn, deterministic = false, arity = -1 } = typeof definition === 'function' ? { fn: definition } : definition
    // SQLite hands BLOBs over as Uint8Array, which is what SqlValue promises.
    db.createFunction(name, ((_context: number, ...args: SqlValue[]) => fn(...args)) as never, { arity, deterministic })
  }
  const decoder = new TextDecoder()
  for (const [name, compare] of Object.entries(extensions.collations ?? {})) {
    const text = (pointer: number, length: number) => decoder.decode(sqlite3.wasm.heap8u().slice(pointer, pointer + length))
    const xCompare = (_arg: number, lengthA: number, a: number, lengthB: number, b: number): number =>
      Math.sign(compare(text(a, lengthA), text(b, lengthB)))
    db.checkRc(sqlite3.capi.sqlite3_create_collation_v2(db.pointer!, name, sqlite3.capi.SQLITE_UTF8, 0, xCompare as never, 0))
  }
}

/**
 * Checks names and definitions up front, so a typo fails at startup with a clear message rather than as
 * "no such function" inside a migration on a user's device.
 *
 * @example
 * validateExtensions({ functions: { 'bad name': () => 1 } }) // throws InvalidOptionsError
 */
export function validateExtensions(extensions: SqlExtensions | undefined): void {
  for (const [kind, entries] of [
    ['function', extensions?.functions],
    ['collation', extensions?.collations],
  ] as const) {
    for (const [name, value] of Object.entries(entries ?? {})) {
      if (!IDENTIFIER.test(name)) throw new InvalidOptionsError(`SQL ${kind} name ${JSON.stringify(name)} must be a plain identifier`)
      const fn = typeof value === 'function' ? value : (value as SqlFunctionDefinition | null)?.fn
      if (typeof fn !== 'function')
        throw new InvalidOptionsError(`SQL ${kind} ${name} must be a function${kind === 'function' ? ' or { fn }' : ''}`)
    }
  }
}

/**
 * Stand-ins that let SQLite parse statements naming the app's functions and collations when only their names are
 * known (build-time checks): functions return NULL, collations compare bytes.
 *
 * @example
 * stubExtensions({ functions: ['slugify'], collations: ['unicode'] })
 */
export function stubExtensions(names: { functions?: readonly string[]; collations?: readonly string[] }): SqlExtensions {
  return {
    functions: Object.fromEntries((names.functions ?? []).map((name) => [name, { fn: () => null, deterministic: true }])),
    collations: Object.fromEntries((names.collations ?? []).map((name) => [name, (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)])),
  }
}
