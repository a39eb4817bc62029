import { get, getMany, promisifyRequest, set, type UseStore } from 'idb-keyval'
import { fileStateKey, markerKey } from './snapshot-store'

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

/**
 * What this library last knew of the file: its size when an upgrade, restore or import last left it consistent. An
 * empty file where this says there were bytes was lost outside the library (see `DatabaseCorruptError`, `emptied`).
 */
export interface FileState {
  bytes: number
}

/** The marker and the last known file state, in one read (at open). */
export async function readOpenState(store: UseStore, database: string): Promise<{ marker?: UpgradeMarker; state?: FileState }> {
  const [marker, state] = await getMany<UpgradeMarker | FileState | undefined>([markerKey(database), fileStateKey(database)], store)
  return { marker: marker as UpgradeMarker | undefined, state: state as FileState | undefined }
}

/** Records that the file is consistent again (`bytes` long), in one transaction: one disk flush. */
export function clearMarker(store: UseStore, database: string, bytes: number): Promise<void> {
  return store('readwrite', (objects) => {
    objects.delete(markerKey(database))
    objects.put({ bytes } satisfies FileState, fileStateKey(database))
    return promisifyRequest(objects.transaction)
  })
}
