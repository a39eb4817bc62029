import type { Database } from '../sqlite/sqlite'

/** What a code migration's `up(db)` receives, and what the runner learns from how it was used. */
export interface MigrationHandle {
  /** The database as `up()` sees it: the connection itself, until `revoke()`. */
  db: Database
  /**
   * After `up()` returns: any later use throws, and statements it prepared are finalized, so nothing it left running
   * (a promise) can reach the connection.
   */
  revoke(): void
  /** Properties `up()` read that the Database does not have (`schema`, `raw`, `context`…), in order, once each. */
  missing(): string[]
}

/**
 * Wraps the connection for one call of a code migration's `up(db)`. Why: an `up` that returns a promise (a knex or
 * Umzug migration, or an `async` function compiled to a plain one) keeps running after the runner has rolled its
 * step back; its continuation would write to the live connection outside any migration. Revoking the handle makes
 * every such later use throw instead. The handle also notes properties the Database lacks, to say which tool a
 * failing migration was written for.
 *
 * @example
 * const handle = migrationHandle(db)
 * try { migration.up(handle.db) } finally { handle.revoke() }
 */
export function migrationHandle(db: Database): MigrationHandle {
  const missing: string[] = []
  // Statements prepared through the handle: finalized with it, or a kept one could write later (and its `.db` is the
  // connection itself).
  let statements: Statement[] = []
  let prune = 64
  const { proxy, revoke } = Proxy.revocable(db, {
    get(target, key) {
      if (typeof key === 'string' && !(key in target) && !missing.includes(key)) missing.push(key)
      const value: unknown = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      // oo1 methods find their connection by `this`; a method returning the Database (exec does) returns the handle.
      return (...args: unknown[]) => {
        // transaction()/savepoint() call back with `this`: give the callback the handle, not the connection.
        const passed = CALLS_BACK_WITH_DB.has(key)
          ? args.map((a) => (typeof a === 'function' ? (d: unknown) => a(d === target ? proxy : d) : a))
          : args
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, passed)
        if (isStatementOf(result, target)) {
          // Forget finalized ones now and then: an up() preparing a statement per row must not hold them all.
          if (statements.length >= prune) {
            statements = statements.filter((statement) => statement.pointer)
            prune = Math.max(64, statements.length * 2)
          }
          statements.push(result)
        }
        return result === target ? proxy : result
      }
    },
  })
  const close = () => {
    revoke()
    for (const statement of statements) if (statement.pointer) statement.finalize()
  }
  return { db: proxy, revoke: close, missing: () => [...missing] }
}

const CALLS_BACK_WITH_DB = new Set<string | symbol>(['transaction', 'savepoint'])

type Statement = { pointer?: unknown; finalize(): unknown }

function isStatementOf(value: unknown, db: Database): value is Statement {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { db?: unknown }).db === db &&
    typeof (value as Statement).finalize === 'function'
  )
}

/** Why a code migration that returned a promise failed (the runner adds `otherToolHint`). */
export const PROMISE_REFUSED =
  'up() returned a promise; migrations must be synchronous. The step was rolled back, and its database handle closed, so nothing the promise does later reaches the database.'

/** True for a promise or anything else with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  )
}

/** Names a query builder's API reads that sqlite-wasm's Database does not have. */
const OTHER_TOOLS = /^(schema|raw|fn|knex|context|queryInterface|sequelize|migrator|query|createTable|addColumn|transacting)$/

/**
 * A sentence telling the author why a code migration failed when it was written for another tool, or `''`.
 *
 * @example
 * otherToolHint(['schema'], false) // → ' up(db) read db.schema, which sqlite-wasm's Database does not have: …'
 */
export function otherToolHint(missing: readonly string[], returnedPromise: boolean): string {
  const foreign = missing.filter((key) => OTHER_TOOLS.test(key))
  if (foreign.length === 0 && !returnedPromise) return ''
  const read = foreign.length ? ` up(db) read ${foreign.map((k) => `db.${k}`).join(', ')}, which sqlite-wasm's Database does not have.` : ''
  return (
    `${read} This looks like a migration written for knex (up(knex) with knex.schema/knex.raw) or Umzug (up({ context })), ` +
    `which are asynchronous and receive a query builder. Here up(db) is synchronous and receives sqlite-wasm's oo1 Database ` +
    `(db.exec, db.selectValue…): rewrite it as a .sql file or a synchronous up(db).`
  )
}
