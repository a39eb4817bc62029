import { del, get, set, type UseStore } from 'idb-keyval'
import { markerKey } from './snapshot-store'

/**
 * Written (durably) after the snapshot and before the file changes; cleared once the file is good again. Finding one
 * at open means a tab died while the file was being changed: the file is restored from `snapshotId` before anything else.
 */
export interface UpgradeMarker {
  /** What was under way: an upgrade, or a restore of a snapshot over the file. */
  kind: 'upgrade' | 'restore'
  snapshotId: string
  fromVersion: number
  toVersion: number
  startedAt: string
}

/** The marker of a database, if a change of its file was interrupted. */
export function readMarker(store: UseStore, database: string): Promise<UpgradeMarker | undefined> {
  return get<UpgradeMarker>(markerKey(database), store)
}

/** Records that the file is about to change. */
export function writeMarker(store: UseStore, database: string, marker: UpgradeMarker): Promise<void> {
  return set(markerKey(database), marker, store)
}

/** Records that the file is consistent again. */
export function clearMarker(store: UseStore, database: string): Promise<void> {
  return del(markerKey(database), store)
}
