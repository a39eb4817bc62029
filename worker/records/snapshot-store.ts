import { delMany, get, getMany, keys, promisifyRequest, update, type UseStore } from 'idb-keyval'

import { SnapshotError, UnsupportedFormatError } from '../../shared/errors'
import { lastFailureKey, markerKey, RECORD, SNAPSHOT_IDB, snapshotIndexKey } from '../../shared/stored-names'
import type { SnapshotInfo, SnapshotReason } from '../../shared/types'
import { createDurableStore } from './durable-store'
import { readOptionalRecord, readRecord, stamp, type Stamped, unsupported } from './record-format'
import { readVerifiedChunks, snapshotKeys, writeChunks, type WriteChunksOptions } from './snapshot-chunks'

// The layout of the one object store (its record keys) is in shared/stored-names.ts.
const indexKey = snapshotIndexKey

/** An index entry as stored: each carries its `formatVersion` (the index is an array, so the version is per entry). */
type StoredEntry = SnapshotInfo | Stamped<SnapshotInfo>

/**
 * A database's index as stored (`undefined`: none yet), once every entry is known to be in a format this release
 * reads; otherwise `UnsupportedFormatError`, before anything is written. Also checked at open (see `readOpenState`).
 * Entries keep their `formatVersion`, so a list written back (after a delete or a prune) is stored as it was.
 */
export function checkedIndex(database: string, value: unknown): StoredEntry[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    // A newer release may store the index otherwise: refused with its version if it names one.
    readRecord('snapshotIndex', database, value as object)
    throw unsupported('snapshotIndex', database, null)
  }
  for (const entry of value) readRecord('snapshotIndex', database, entry as object)
  return value as StoredEntry[]
}

let shared: UseStore | undefined
/** The library's own idb-keyval store (strict durability), created on first use. */
export function snapshotStore(): UseStore {
  shared ??= createDurableStore(SNAPSHOT_IDB.database, SNAPSHOT_IDB.store)
  return shared
}

/** What a snapshot is made of (its bytes come separately, as chunks). */
export interface NewSnapshot {
  database: string
  fromVersion: number
  toVersion: number
  reason: SnapshotReason
}

/** A snapshot whose chunks are being written; listed once they are durable (see `listSnapshot`). */
export interface StagedSnapshot {
  id: string
  /** The index entry, once every chunk is durable and hashed. Rejects with `SnapshotError('SNAPSHOT_WRITE_FAILED')`. */
  written: Promise<SnapshotInfo>
}

/**
 * Starts writing a snapshot from `chunks` (see `writeChunks`). With `inFlight: Infinity` every chunk has been taken when
 * this returns, so the caller may change the file right away. Nothing is listed yet: call `listSnapshot` with the entry.
 *
 * @example
 * const staged = stageSnapshot(store, meta, file.chunks(), { inFlight: Infinity })
 * await listSnapshot(store, await staged.written)
 */
export function stageSnapshot(
  store: UseStore,
  snapshot: NewSnapshot,
  chunks: Iterable<Uint8Array>,
  options: WriteChunksOptions,
): StagedSnapshot {
  const createdAt = new Date().toISOString()
  const id = `${createdAt.replace(/[-:.]/g, '')}-v${snapshot.fromVersion}-${crypto.randomUUID().slice(0, 8)}`
  const written = writeChunks(store, snapshot.database, id, chunks, options).then(
    (chunked): SnapshotInfo => ({ id, ...snapshot, ...chunked, createdAt }),
    async (error: unknown) => {
      // Best effort (the next prune removes what is left): a failed cleanup must not replace the write's own error.
      await keysOf(store, snapshot.database, id)
        .then((keys) => delMany(keys, store))
        .catch(() => {})
      throw error
    },
  )
  written.catch(() => {}) // the caller awaits it, maybe after synchronous work; not an unhandled rejection meanwhile
  return { id, written }
}

/**
 * Lists a written snapshot in its database's index (newest first), and in the same durable transaction writes `marker`
 * (an upgrade's) if given: one disk flush instead of two. Throws `SnapshotError('SNAPSHOT_WRITE_FAILED')`.
 */
export async function listSnapshot(store: UseStore, info: SnapshotInfo, marker?: { key: IDBValidKey; value: unknown }): Promise<void> {
  try {
    await store(
      'readwrite',
      (objects) =>
        new Promise<void>((resolve, reject) => {
          let refused: unknown
          const request = objects.get(indexKey(info.database))
          request.onsuccess = () => {
            try {
              const list = checkedIndex(info.database, request.result)
              objects.put([stamp('snapshotIndex', info), ...list], indexKey(info.database))
              if (marker) objects.put(marker.value, marker.key)
            } catch (error) {
              refused = error
              objects.transaction.abort()
            }
          }
          promisifyRequest(objects.transaction).then(resolve, (error: unknown) => reject(refused ?? error))
        }),
    )
  } catch (cause) {
    await delMany(snapshotKeys(info), store).catch(() => {})
    if (cause instanceof UnsupportedFormatError) throw cause
    throw new SnapshotError(
      'SNAPSHOT_WRITE_FAILED',
      `could not store a snapshot of ${info.database} in IndexedDB: ${String(cause)}`,
      info.id,
      { cause },
    )
  }
}

/**
 * Stores a snapshot made of `chunks` and lists it: chunk Blobs first, then the index entry, so an entry always points
 * at complete, hashed bytes (a crash in between leaves unlisted chunks that `pruneSnapshots` removes). At most two
 * chunks wait for the disk at a time, so memory stays near two chunks whatever the file's size.
 *
 * @example
 * const info = await saveSnapshot(store, { database: 'app.db', fromVersion: 3, toVersion: 3, reason: 'manual' }, file.chunks())
 */
export async function saveSnapshot(store: UseStore, snapshot: NewSnapshot, chunks: Iterable<Uint8Array>): Promise<SnapshotInfo> {
  const info = await stageSnapshot(store, snapshot, chunks, { inFlight: 2 }).written
  await listSnapshot(store, info)
  return info
}

/** Snapshots of one database, newest first; `UnsupportedFormatError` if a newer release wrote the index. */
export async function listSnapshots(store: UseStore, database: string): Promise<SnapshotInfo[]> {
  return checkedIndex(database, await get(indexKey(database), store)).map((entry) => readRecord('snapshotIndex', database, entry))
}

/** A listed snapshot, or `SnapshotError('SNAPSHOT_NOT_FOUND')`. */
export async function findSnapshot(store: UseStore, database: string, id: string): Promise<SnapshotInfo> {
  const info = (await listSnapshots(store, database)).find((s) => s.id === id)
  if (!info) throw new SnapshotError('SNAPSHOT_NOT_FOUND', `no snapshot ${id} of ${database}`, id)
  return info
}

/** A snapshot as one Blob (made of its chunk Blobs, not a copy), every chunk checked first. */
export async function loadVerifiedBlob(store: UseStore, info: SnapshotInfo): Promise<Blob> {
  const parts: Blob[] = []
  await readVerifiedChunks(store, info, (blob) => parts.push(blob))
  return new Blob(parts, { type: 'application/vnd.sqlite3' })
}

/** Removes one snapshot (index entry first, then its Blob). Returns false if there was none. */
export async function deleteSnapshot(store: UseStore, database: string, id: string): Promise<boolean> {
  let found = false
  await update<StoredEntry[]>(
    indexKey(database),
    (stored) => {
      // Throwing here writes nothing: idb-keyval's update puts only what the updater returns.
      const list = checkedIndex(database, stored)
      found = list.some((s) => s.id === id)
      return list.filter((s) => s.id !== id)
    },
    store,
  )
  await delMany(await keysOf(store, database, id), store)
  return found
}

/**
 * Snapshots the API handed out as a way back: the copy of the file taken before a restore (`restoreSnapshot`'s
 * `undoSnapshot`, and the damaged file kept by `restoreFrom`) and before an import (`importDatabase`'s `undoSnapshot`).
 * Never pruned by count: only `deleteSnapshot` removes them.
 *
 * @example
 * const counted = snapshots.filter((s) => !WAY_BACK_REASONS.includes(s.reason))
 */
export const WAY_BACK_REASONS: readonly SnapshotReason[] = ['before-restore', 'before-import']

/**
 * Keeps the newest `keep` snapshots of a database among those that count (upgrade, manual and import snapshots) and
 * deletes the rest, plus any Blob no index entry points at. Never deleted by count: the ways back (`WAY_BACK_REASONS`),
 * `protect` (the snapshot the upgrade just took), and the snapshots the marker or the last failure name (a recovery
 * or the failure report still needs them). Returns the ids deleted.
 */
export async function pruneSnapshots(store: UseStore, database: string, keep: number, protect?: string): Promise<string[]> {
  const [storedMarker, storedFailure] = await getMany<{ snapshotId?: string | null } | undefined>(
    [markerKey(database), lastFailureKey(database)],
    store,
  )
  // Which snapshots they name is only known if this release reads them.
  const marker = readOptionalRecord('marker', database, storedMarker)
  const failure = readOptionalRecord('lastFailure', database, storedFailure)
  const named = new Set([protect, marker?.snapshotId, failure?.snapshotId].filter((id): id is string => typeof id === 'string'))
  let dropped: StoredEntry[] = []
  await update<StoredEntry[]>(
    indexKey(database),
    (stored) => {
      const list = checkedIndex(database, stored)
      const counted = list.filter((s) => !WAY_BACK_REASONS.includes(s.reason))
      const kept = list.filter((s) => !counted.includes(s) || counted.indexOf(s) < keep || named.has(s.id))
      dropped = list.filter((s) => !kept.includes(s))
      return kept
    },
    store,
  )
  const listed = new Set((await listSnapshots(store, database)).map((s) => s.id))
  const orphans = (await keys(store)).filter(
    (k): k is string[] => Array.isArray(k) && k[0] === RECORD.snapshotChunk && k[1] === database && !listed.has(String(k[2])),
  )
  await delMany(orphans, store)
  return [...new Set([...dropped.map((s) => s.id), ...orphans.map((k) => String(k[2]))])]
}

/** Every stored key of one snapshot's Blobs (whatever its layout, listed or not). */
async function keysOf(store: UseStore, database: string, id: string): Promise<IDBValidKey[]> {
  return (await keys(store)).filter((k) => Array.isArray(k) && k[0] === RECORD.snapshotChunk && k[1] === database && k[2] === id)
}
