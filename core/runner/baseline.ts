import { DatabaseTooNewError, HistoryMismatchError, InvalidOptionsError } from '../../shared/errors'
import { HISTORY_TABLE } from '../../shared/stored-names'
import type { AppliedMigration, Migration } from '../../shared/types'
import { MAX_VERSION } from '../folder/validate-migrations'
import { checkHistory, type StoredHistory } from './history'

/**
 * How to adopt a database that was made without this library (tables, maybe `PRAGMA user_version`, no
 * `schema_migrations`): the version of the app's migration its schema already matches, or `'user_version'` to take
 * that version from the file. The migrations up to it are recorded as applied (marked `baseline`) and only later ones
 * run. Ignored for an empty database (it gets every migration) and for one that has our history.
 *
 * @example
 * serveDatabase({ migrations, baseline: 'user_version' }) // the hand-rolled code kept user_version in step
 */
export type Baseline = number | 'user_version'

/** What an open must do: record a baseline (adopting the file), then apply the pending migrations. */
export interface UpgradePlan {
  /** History rows to write before (in the same transaction as) the first pending migration; usually empty. */
  adopted: AppliedMigration[]
  pending: Migration[]
}

/**
 * `checkHistory`, plus the adoption of a database made without this library when a `baseline` is given. Throws what
 * `checkHistory` throws, and `HistoryMismatchError` when the baseline does not name one of the app's migrations.
 *
 * @example
 * const { adopted, pending } = planUpgrade(readHistory(db), prepared, false)
 */
export function planUpgrade(
  stored: StoredHistory,
  prepared: { list: readonly Migration[]; checksums: ReadonlyMap<number, string>; baseline?: Baseline | undefined },
  acceptEdited: boolean | readonly number[],
): UpgradePlan {
  const adopted = adoption(stored, prepared.list, prepared.checksums, prepared.baseline)
  const history: StoredHistory = adopted.length
    ? { version: adopted.at(-1)!.version, hasTable: true, hasSchema: true, applied: adopted }
    : stored
  return { adopted, pending: checkHistory(history, prepared.list, { checksums: prepared.checksums, acceptEdited }) }
}

function adoption(
  stored: StoredHistory,
  migrations: readonly Migration[],
  checksums: ReadonlyMap<number, string>,
  baseline: Baseline | undefined,
): AppliedMigration[] {
  if (baseline === undefined || stored.hasTable || (stored.version === 0 && !stored.hasSchema)) return []
  const version = baseline === 'user_version' ? stored.version : baseline
  if (version === 0)
    throw new HistoryMismatchError(
      `database has tables but no ${HISTORY_TABLE} and user_version 0, so baseline 'user_version' cannot tell which ` +
        `migrations it already has; pass baseline: <the version its schema matches>`,
      0,
    )
  const latest = migrations.at(-1)?.version ?? 0
  if (version > latest)
    throw new DatabaseTooNewError(
      `database is at version ${version} (its baseline), newer than this app's latest migration ${latest}`,
      version,
      latest,
    )
  if (!migrations.some((m) => m.version === version))
    throw new HistoryMismatchError(
      `baseline ${version} is not the version of one of the app's migrations (${migrations.map((m) => m.version).join(', ')})`,
      version,
    )
  const appliedAt = new Date().toISOString()
  return migrations
    .filter((m) => m.version <= version)
    .map((m) => ({
      version: m.version,
      name: m.name,
      checksum: checksums.get(m.version) ?? null,
      appliedAt,
      durationMs: 0,
      baseline: true,
      schemaFingerprint: null,
    }))
}

/** Throws `InvalidOptionsError` unless `baseline` is a valid option value. */
export function validateBaseline(baseline: unknown): asserts baseline is Baseline | undefined {
  if (baseline === undefined || baseline === 'user_version') return
  if (typeof baseline !== 'number' || !Number.isInteger(baseline) || baseline < 1 || baseline > MAX_VERSION)
    throw new InvalidOptionsError(
      `baseline must be a migration version (1 to ${MAX_VERSION}) or 'user_version', got ${JSON.stringify(baseline)}`,
    )
}
