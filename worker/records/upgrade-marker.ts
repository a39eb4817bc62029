import { get, getMany, promisifyRequest, set, type UseStore } from 'idb-keyval'

import { fileStateKey, imageKey, lastFailureKey, markerKey, snapshotIndexKey } from '../../shared/stored-names'
import { readOptionalRecord, stamp } from './record-format'
import { checkedIndex } from './snapshot-store'

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

/** The marker of a database, if a change of its file was interrupted; `UNSUPPORTED_FORMAT` if a newer release wrote it. */
export async function readMarker(store: UseStore, database: string): Promise<UpgradeMarker | undefined> {
  return readOptionalRecord('marker', database, await get<UpgradeMarker>(markerKey(database), store))
}

/** Records that the file is about to change. */
export function writeMarker(store: UseStore, database: string, marker: UpgradeMarker): Promise<void> {
  const { key, value } = markerRecord(database, marker)
  return set(key, value, store)
}

/**
 * The marker as stored (key and value, with its format), for a caller that writes it in a transaction of its own.
 *
 * @example
 * await listSnapshot(store, info, markerRecord('app.db', { kind: 'upgrade', snapshotId: info.id, ...versions, startedAt }))
 */
export function markerRecord(database: string, marker: UpgradeMarker): { key: IDBValidKey; value: unknown } {
  return { key: markerKey(database), value: stamp('marker', marker) }
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

/**
 * The marker, the last known file state and whether an IndexedDB image exists, in one read (at open). Every record of
 * the database is checked here, the snapshot index and the last failure too (see `refuseNewerRecords`), so a database a
 * newer release wrote to is refused with `UNSUPPORTED_FORMAT` before anything of it is opened, read or written.
 */
export async function readOpenState(store: UseStore, database: string): Promise<OpenState> {
  const keys = [markerKey(database), fileStateKey(database), imageKey(database), snapshotIndexKey(database), lastFailureKey(database)]
  const [marker, state, image, index, failure] = await getMany<object | undefined>(keys, store)
  refuseNewerRecords(database, { image, index, failure })
  return {
    marker: readOptionalRecord('marker', database, marker as UpgradeMarker | undefined),
    state: readOptionalRecord('fileState', database, state as FileState | undefined),
    hasImage: image !== undefined,
  }
}

/** Throws `UNSUPPORTED_FORMAT` if a newer release wrote the image manifest, an index entry or the last failure. */
function refuseNewerRecords(database: string, stored: { image?: object; index?: object; failure?: object }): void {
  readOptionalRecord('image', database, stored.image)
  readOptionalRecord('lastFailure', database, stored.failure)
  checkedIndex(database, stored.index)
}

/**
 * Records where the file lives (and its size) when nothing says so yet, so `storage: 'auto'` and `StorageMismatchError`
 * know it from the next open on.
 *
 * @example
 * if (state?.storage !== storage.kind) await recordFileState(store, 'app.db', file.size(), storage.kind)
 */
export function recordFileState(store: UseStore, database: string, bytes: number, storage: 'opfs' | 'indexeddb'): Promise<void> {
  return set(fileStateKey(database), stamp('fileState', { bytes, storage } satisfies FileState), store)
}

/** Records that the file is consistent again (`bytes` long, in `storage`), in one transaction: one disk flush. */
export function clearMarker(store: UseStore, database: string, bytes: number, storage: 'opfs' | 'indexeddb'): Promise<void> {
  return store('readwrite', (objects) => {
    objects.delete(markerKey(database))
    objects.put(stamp('fileState', { bytes, storage } satisfies FileState), fileStateKey(database))
    return promisifyRequest(objects.transaction)
  })
}
