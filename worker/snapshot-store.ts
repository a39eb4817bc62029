import { del, get, keys, set, update, type UseStore } from 'idb-keyval'
import { SnapshotError } from '../src/errors'
import type { SnapshotInfo, SnapshotReason } from '../src/types'
import { sha256Hex } from './checksum'
import { createDurableStore } from './durable-store'

// Layout of the one object store (keys are arrays, so one database's entries never collide with another's):
//   ['snapshots', database]      → SnapshotInfo[] newest first (read by status() without touching any Blob)
//   ['snapshot', database, id]   → Blob of the file
//   ['marker', database]         → UpgradeMarker (see upgrade-marker.ts)
//   ['last-failure', database]   → UpgradeFailure (see upgrade-failure.ts)
const indexKey = (database: string): IDBValidKey => ['snapshots', database]
const blobKey = (database: string, id: string): IDBValidKey => ['snapshot', database, id]

/** The IndexedDB database and object store that hold every snapshot of this origin. */
export const SNAPSHOT_IDB = { database: 'sqlite-opfs-migrate', store: 'snapshots' } as const

let shared: UseStore | undefined
/** The library's own idb-keyval store (strict durability), created on first use. */
export function snapshotStore(): UseStore {
  shared ??= createDurableStore(SNAPSHOT_IDB.database, SNAPSHOT_IDB.store)
  return shared
}

/** What a snapshot is made of. */
export interface NewSnapshot {
  database: string
  fromVersion: number
  toVersion: number
  reason: SnapshotReason
  bytes: Uint8Array<ArrayBuffer>
}

/**
 * Hashes and stores a copy of the file as a Blob, then lists it in the database's index. The Blob is written first, so
 * an index entry always points at complete bytes; a crash in between leaves an unlisted Blob that `pruneSnapshots`
 * removes. Throws `SnapshotError('SNAPSHOT_WRITE_FAILED')` (with the IndexedDB error as cause, e.g. QuotaExceededError).
 *
 * @example
 * const info = await saveSnapshot(store, { database: 'app.db', fromVersion: 3, toVersion: 5, reason: 'upgrade', bytes })
 */
export async function saveSnapshot(store: UseStore, snapshot: NewSnapshot): Promise<SnapshotInfo> {
  const createdAt = new Date().toISOString()
  const info: SnapshotInfo = {
    id: `${createdAt.replace(/[-:.]/g, '')}-v${snapshot.fromVersion}-${crypto.randomUUID().slice(0, 8)}`,
    database: snapshot.database,
    fromVersion: snapshot.fromVersion,
    toVersion: snapshot.toVersion,
    bytes: snapshot.bytes.byteLength,
    sha256: await sha256Hex(snapshot.bytes),
    createdAt,
    reason: snapshot.reason,
  }
  try {
    await set(blobKey(info.database, info.id), new Blob([snapshot.bytes], { type: 'application/vnd.sqlite3' }), store)
    await update<SnapshotInfo[]>(indexKey(info.database), (list = []) => [info, ...list], store)
  } catch (cause) {
    await del(blobKey(info.database, info.id), store).catch(() => {})
    throw new SnapshotError('SNAPSHOT_WRITE_FAILED', `could not store a snapshot of ${info.database} in IndexedDB: ${String(cause)}`, info.id, { cause })
  }
  return info
}

/** Snapshots of one database, newest first. */
export async function listSnapshots(store: UseStore, database: string): Promise<SnapshotInfo[]> {
  return (await get<SnapshotInfo[]>(indexKey(database), store)) ?? []
}

/**
 * Loads a snapshot's Blob and checks its size and sha-256 against its metadata before anyone writes it over a file.
 * Throws `SnapshotError` `SNAPSHOT_NOT_FOUND` or `SNAPSHOT_CORRUPT`.
 */
export async function loadVerifiedSnapshot(store: UseStore, database: string, id: string): Promise<{ info: SnapshotInfo; blob: Blob }> {
  const info = (await listSnapshots(store, database)).find((s) => s.id === id)
  const blob = info && (await get<Blob>(blobKey(database, id), store))
  if (!info || !blob) throw new SnapshotError('SNAPSHOT_NOT_FOUND', `no snapshot ${id} of ${database}`, id)
  // Hashing reads the Blob once more; it is what makes "exactly as it was" a checked claim rather than a hope.
  const bytes = new Uint8Array(await blob.arrayBuffer())
  const sha256 = await sha256Hex(bytes)
  if (blob.size !== info.bytes || sha256 !== info.sha256)
    throw new SnapshotError(
      'SNAPSHOT_CORRUPT',
      `snapshot ${id} of ${database} does not match its checksum (size ${blob.size}/${info.bytes}, sha-256 ${sha256.slice(0, 12)}…/${info.sha256.slice(0, 12)}…)`,
      id,
    )
  return { info, blob }
}

/** Removes one snapshot (index entry first, then its Blob). Returns false if there was none. */
export async function deleteSnapshot(store: UseStore, database: string, id: string): Promise<boolean> {
  let found = false
  await update<SnapshotInfo[]>(indexKey(database), (list = []) => {
    found = list.some((s) => s.id === id)
    return list.filter((s) => s.id !== id)
  }, store)
  await del(blobKey(database, id), store)
  return found
}

/**
 * Keeps the newest `keep` snapshots of a database (never `protect`, the one an unfinished upgrade relies on) and deletes
 * the rest, plus any Blob no index entry points at. Returns the ids deleted.
 */
export async function pruneSnapshots(store: UseStore, database: string, keep: number, protect?: string): Promise<string[]> {
  let dropped: SnapshotInfo[] = []
  await update<SnapshotInfo[]>(indexKey(database), (list = []) => {
    const kept = list.filter((s, i) => i < keep || s.id === protect)
    dropped = list.filter((s) => !kept.includes(s))
    return kept
  }, store)
  const listed = new Set((await listSnapshots(store, database)).map((s) => s.id))
  const orphans = (await keys(store))
    .filter((k): k is string[] => Array.isArray(k) && k[0] === 'snapshot' && k[1] === database && !listed.has(String(k[2])))
  await Promise.all(orphans.map((k) => del(k, store)))
  return [...new Set([...dropped.map((s) => s.id), ...orphans.map((k) => String(k[2]))])]
}

/** Key of a database's upgrade marker (kept here so the key layout lives in one file). */
export const markerKey = (database: string): IDBValidKey => ['marker', database]

/** Key of a database's last failed upgrade. */
export const lastFailureKey = (database: string): IDBValidKey => ['last-failure', database]
