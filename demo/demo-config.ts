import type { Migration } from 'sqlite-opfs-migrate'

/**
 * The showcase switches, read from the page's query string and handed to the worker as its `name`:
 * `?app=v1` ships migrations 1–3, `?app=v2` (default) all five (a table rebuild and a TypeScript backfill);
 * `?fail=N` makes migration N fail after doing its work, so a visitor sees a real rollback.
 */
export interface DemoConfig {
  app: 'v1' | 'v2'
  fail: number | null
}

/** Latest migration of each app version. */
export const LATEST: Record<DemoConfig['app'], number> = { v1: 3, v2: 5 }

/**
 * Reads `app` and `fail` from a query string; anything else falls back to v2 without failure.
 *
 * @example
 * parseDemoConfig('?app=v1&fail=3') // { app: 'v1', fail: 3 }
 */
export function parseDemoConfig(search: string): DemoConfig {
  const params = new URLSearchParams(search)
  const app = params.get('app') === 'v1' ? 'v1' : 'v2'
  const fail = Number(params.get('fail'))
  return { app, fail: Number.isInteger(fail) && fail > 0 ? fail : null }
}

/** The query string of a config, e.g. `app=v1&fail=3`. */
export function demoQuery(config: DemoConfig): string {
  const params = new URLSearchParams({ app: config.app })
  if (config.fail !== null) params.set('fail', String(config.fail))
  return params.toString()
}

/**
 * The migrations an app version ships, with the failure injected: a SQL migration gets a last statement that breaks a
 * NOT NULL constraint, a code migration throws after its work. (The SQL text changes, so the page accepts that
 * version's checksum with `acceptEditedMigrations`.)
 *
 * @example
 * migrationsFor({ app: 'v1', fail: null }, all).length // 3
 */
export function migrationsFor(config: DemoConfig, all: readonly Migration[]): Migration[] {
  return all
    .filter((m) => m.version <= LATEST[config.app])
    .map((m): Migration => {
      if (m.version !== config.fail) return m
      if (typeof m.sql === 'string')
        return { ...m, sql: `${m.sql}\n-- Injected by ?fail=${m.version}:\nINSERT INTO notes (title) VALUES (NULL);\n` }
      const up = m.up
      return {
        ...m,
        up(db) {
          up(db)
          throw new Error(`injected by ?fail=${m.version}: the backfill gave up after tagging every note`)
        },
      }
    })
}
