import { del, get, set, type UseStore } from 'idb-keyval'

import { MigrationFailedError, RecoveryPendingError, SnapshotError, SqliteOpfsMigrateError } from '../../shared/errors'
import { lastFailureKey } from '../../shared/stored-names'
import type { UpgradeFailure } from '../../shared/types'
import { readOptionalRecord, stamp } from './record-format'

// The error of a failed upgrade reaches the page that opened the database, but not the tab reloaded a minute later or
// the inspector: so the last one is kept next to the snapshots, until an upgrade succeeds.

/** The last failed upgrade of a database, or `null`; `UNSUPPORTED_FORMAT` if a newer release wrote it. */
export async function readLastFailure(store: UseStore, database: string): Promise<UpgradeFailure | null> {
  return readOptionalRecord('lastFailure', database, await get<UpgradeFailure>(lastFailureKey(database), store)) ?? null
}

/** Records a failed upgrade; never throws (a lost record must not hide the failure itself). */
export async function recordFailure(
  store: UseStore,
  database: string,
  error: unknown,
  versions: { fromVersion: number; toVersion: number },
): Promise<void> {
  await set(lastFailureKey(database), stamp('lastFailure', describeFailure(error, versions)), store).catch(() => {})
}

/** Forgets the last failure (after a successful upgrade). */
export function clearLastFailure(store: UseStore, database: string): Promise<void> {
  return del(lastFailureKey(database), store)
}

/**
 * The record of an upgrade error.
 *
 * @example
 * describeFailure(error, { fromVersion: 3, toVersion: 5 }).restoredToVersion // 3
 */
export function describeFailure(error: unknown, { fromVersion, toVersion }: { fromVersion: number; toVersion: number }): UpgradeFailure {
  const e = error instanceof Error ? error : new Error(String(error))
  const failed = error instanceof MigrationFailedError ? error.details : null
  const snapshotId =
    failed?.snapshotId ?? (error instanceof SnapshotError || error instanceof RecoveryPendingError ? error.snapshotId : null)
  return {
    at: new Date().toISOString(),
    code: error instanceof SqliteOpfsMigrateError ? error.code : 'UNKNOWN',
    errorName: e.name,
    message: e.message,
    fromVersion,
    toVersion,
    phase: failed?.phase ?? phaseOf(error),
    version: failed?.version ?? null,
    migrationName: failed?.migrationName ?? null,
    statement: failed?.statement ?? null,
    sqliteCode: failed?.sqliteCode ?? null,
    timedOut: failed?.timedOut ?? false,
    restoredToVersion: failed?.restoredToVersion ?? null,
    snapshotId,
  }
}

/** Where an upgrade that did not end in `MigrationFailedError` stopped. */
function phaseOf(error: unknown): UpgradeFailure['phase'] {
  if (error instanceof SnapshotError && error.code === 'RESTORE_FAILED') return 'migration'
  if (error instanceof RecoveryPendingError && error.what === 'marker-not-cleared') return 'completion'
  return 'preparation'
}
