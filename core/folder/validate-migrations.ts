import { InvalidMigrationsError } from '../../shared/errors'
import type { Migration } from '../../shared/types'
import { downSectionLine } from './migration-sections'

/** Largest version: `PRAGMA user_version` is a signed 32-bit integer. */
export const MAX_VERSION = 2 ** 31 - 1
const NAME = /^[A-Za-z0-9_.\- ]{1,200}$/

/**
 * Checks a migration list before the database is touched: each entry is a `{ version, name, sql }` or
 * `{ version, name, up }`, versions are positive integers, unique and strictly increasing, names are plain. SQL holding
 * only comments or whitespace is accepted: it is a no-op recorded in the history (other tools keep such files so
 * versions stay aligned across engines). Throws `InvalidMigrationsError` naming the first offending entry.
 *
 * @example
 * validateMigrations([{ version: 1, name: 'a', sql: 'CREATE TABLE a(x);' }, { version: 1, name: 'b', sql: '…' }])
 * // throws InvalidMigrationsError: migration #1 ("b"): version 1 is not greater than the previous version 1 ("a")
 */
export function validateMigrations(migrations: readonly Migration[]): void {
  if (!Array.isArray(migrations)) throw new InvalidMigrationsError('migrations must be an array', 'migrations', null, null)
  let previous: Migration | undefined
  migrations.forEach((m, index) => {
    const label = `migration #${index}${typeof m?.name === 'string' ? ` ("${m.name}")` : ''}`
    const fail = (why: string): never => {
      throw new InvalidMigrationsError(
        `${label}: ${why}`,
        index,
        typeof m?.version === 'number' ? m.version : null,
        typeof m?.name === 'string' ? m.name : null,
      )
    }
    if (typeof m !== 'object' || m === null) fail('is not an object')
    if (!Number.isInteger(m.version) || m.version < 1 || m.version > MAX_VERSION)
      fail(`version must be an integer from 1 to ${MAX_VERSION}, got ${String(m.version)}`)
    if (typeof m.name !== 'string' || !NAME.test(m.name))
      fail(`name must be 1–200 letters, digits, "_", "-", "." or spaces, got ${JSON.stringify(m.name)}`)
    const hasSql = 'sql' in m && m.sql !== undefined
    const hasUp = 'up' in m && m.up !== undefined
    if (hasSql === hasUp) fail('needs exactly one of `sql` (text) or `up` (function)')
    if (hasSql && typeof m.sql !== 'string') fail('`sql` must be a string')
    const down = hasSql ? downSectionLine(m.sql as string) : null
    if (down)
      fail(
        `its SQL holds a ${down.format} down section (line ${down.line}), which would run on upgrade; read the file with ` +
          'migrationsFromGlob or the Vite plugin, which keep only the up part',
      )
    // A wrong precomputed checksum would report an untouched migration as edited on every device.
    if ('checksum' in m && m.checksum !== undefined && !(hasSql && typeof m.checksum === 'string' && /^[0-9a-f]{64}$/.test(m.checksum)))
      fail('`checksum` must be the lowercase hex sha-256 of `sql` (as the Vite plugin computes it), and only on SQL migrations')
    if (hasUp && typeof m.up !== 'function') fail('`up` must be a function')
    if (hasUp && (m.up as (...a: unknown[]) => unknown).constructor.name === 'AsyncFunction')
      fail(
        '`up` must be synchronous (an async function would commit before it finishes); a migration written for knex or ' +
          'Umzug (async, given a query builder) must be rewritten as a .sql file or a synchronous up(db)',
      )
    if (m.transaction !== undefined && typeof m.transaction !== 'boolean') fail('`transaction` must be a boolean')
    if (previous && m.version <= previous.version)
      fail(
        m.version === previous.version
          ? `duplicate version ${m.version} (also "${previous.name}")`
          : `version ${m.version} is not greater than the previous version ${previous.version} ("${previous.name}")`,
      )
    previous = m
  })
}
