/**
 * `sqlite-opfs-migrate verify <dir>`: upgrades a database at every old version (and `--fixtures`) to the latest and
 * compares its schema with a fresh install's, printing `verifyUpgrades`'s report as a table (or `--json`).
 *
 * @module
 */
import type { SqlExtensions } from '../../core/sqlite/sql-extensions'
import { formatReport } from '../format-verify-report'
import { verifyUpgrades } from '../verify-upgrades'
import type { Print } from './print'

/**
 * Options of `verify`.
 *
 * @example
 * const options: VerifyCommandOptions = { directory: 'migrations', seed: 'seed.mjs', fixtures: undefined, acceptEdited: false, setup: {}, print }
 */
export interface VerifyCommandOptions {
  /** The migrations folder. */
  directory: string
  /** `--seed <module>`: exports `seed(db, { version })`, which fills each starting database. */
  seed: string | undefined
  /** `--fixtures <dir>`: real old databases, upgraded as copies. */
  fixtures: string | undefined
  /** `--accept-edited` */
  acceptEdited: boolean
  /** `--setup`'s functions and collations. */
  setup: SqlExtensions
  print: Print
}

/**
 * Runs `verifyUpgrades` and prints its report. Returns the exit code: 0 when every start reaches the fresh
 * install's schema, 1 on drift or any failed upgrade.
 *
 * @example
 * const code = await verifyCommand({ directory: 'migrations', seed: undefined, fixtures: undefined, acceptEdited: false, setup: {}, print })
 */
export async function verifyCommand(options: VerifyCommandOptions): Promise<number> {
  const report = await verifyUpgrades({
    migrations: options.directory,
    seed: options.seed,
    fixtures: options.fixtures,
    acceptEditedMigrations: options.acceptEdited,
    functions: options.setup.functions,
    collations: options.setup.collations,
  })
  options.print(formatReport(report), report)
  return report.ok ? 0 : 1
}
