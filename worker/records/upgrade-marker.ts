import { get, getMany, promisifyRequest, set, type UseStore } from 'idb-keyval'

import { fileStateKey, imageKey, markerKey } from '../../shared/stored-names'

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
  /** Where the file lives. */
  storage: 'opfs' | 'indexeddb'
}

/** What is known of a database before its storage is opened. */
export interface OpenState {
  marker?: UpgradeMarker
  state?: FileState
  /** Whether the database is kept in IndexedDB (`storage: 'indexeddb'`): its image's manifest exists. */
  hasImage: boolean
}

/** The marker, the last known file state and whether an IndexedDB image exists, in one read (at open). */
export async function readOpenState(store: UseStore, database: string): Promise<OpenState> {
  const keys = [markerKey(database), fileStateKey(database), imageKey(database)]
  const [marker, state, image] = await getMany<unknown>(keys, store)
  return { marker: marker as UpgradeMarker | undefined, state: state as FileState | undefined, hasImage: image !== undefined }
}

/**
 * Records where the file lives (and its size) when nothing says so yet, so `storage: 'auto'` and `StorageMismatchError`
 * know it from the next open on.
 *
 * @example
 * if (state?.storage !== storage.kind) await recordFileState(store, 'app.db', file.size(), storage.kind)
 */
export function recordFileState(store: UseStore, database: string, bytes: number, storage: 'opfs' | 'indexeddb'): Promise<void> {
  return set(fileStateKey(database), { bytes, storage } satisfies FileState, store)
}

/** Records that the file is consistent again (`bytes` long, in `storage`), in one transaction: one disk flush. */
export function clearMarker(store: UseStore, database: string, bytes: number, storage: 'opfs' | 'indexeddb'): Promise<void> {
  return store('readwrite', (objects) => {
    objects.delete(markerKey(database))
    objects.put({ bytes, storage } satisfies FileState, fileStateKey(database))
    return promisifyRequest(objects.transaction)
  })
}
