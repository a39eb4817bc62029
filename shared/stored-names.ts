/**
 * Every name this library stores in the browser (OPFS, IndexedDB), writes into users' files, or shares between tabs
 * that may run different releases of it (Web Locks, BroadcastChannel), in one place. Data already on users' devices is
 * found by these exact strings, and an old tab and a new tab coordinate through them: none may ever change (a change
 * strands every user's data or splits tabs into two camps). test/unit/stored-names.test.ts pins each value.
 *
 * Imported by the page (lock names) and the worker; it imports nothing, so it can never be part of a cycle.
 */

/** The library's name, the prefix of its locks and channels. Never change: tabs of every release meet under it. */
const LIBRARY = 'sqlite-opfs-migrate'

// ---- OPFS ----

/** Root folder of every database's sahpool directory. Never change: users' databases are stored under it. */
export const OPFS_ROOT_DIRECTORY = `.${LIBRARY}`

/**
 * The sahpool directory of one database. Never change: the database's file lives in it.
 *
 * @example
 * opfsPoolDirectory('app.db') // '.sqlite-opfs-migrate/app.db'
 */
export const opfsPoolDirectory = (database: string): string => `${OPFS_ROOT_DIRECTORY}/${database}`

/** Name of the sahpool VFS, reported as `status().vfs`. Never change: apps may compare it. */
export const SAHPOOL_VFS_NAME = 'opfs-sahpool'

/** Size of the header sqlite-wasm's sahpool writes in front of each pool file's data (its format, not ours). */
export const SAHPOOL_HEADER_BYTES = 4096

// ---- IndexedDB ----

/**
 * The IndexedDB database and object store holding every snapshot, marker and image of this origin. Never change: users'
 * snapshots and IndexedDB-kept databases are stored there.
 */
export const SNAPSHOT_IDB = { database: LIBRARY, store: 'snapshots' } as const

/**
 * First element of each record key of the object store (keys are arrays, so one database's entries never collide with
 * another's). Never change: every stored record is found by it.
 *   ['snapshots', database]        → SnapshotInfo[] newest first
 *   ['snapshot', database, id, i]  → Blob of chunk i of a snapshot
 *   ['marker', database]           → UpgradeMarker
 *   ['last-failure', database]     → UpgradeFailure
 *   ['file-state', database]       → FileState
 *   ['image', database]            → ImageManifest of a database kept in IndexedDB; ['image', database, i] its chunk i
 */
export const RECORD = {
  snapshotIndex: 'snapshots',
  snapshotChunk: 'snapshot',
  marker: 'marker',
  lastFailure: 'last-failure',
  fileState: 'file-state',
  image: 'image',
} as const

/**
 * The format of each kind of record, stored in it as `formatVersion`. Raised (never lowered) when this library changes
 * what a record holds; a release refuses a record whose `formatVersion` is above the one it knows (`UNSUPPORTED_FORMAT`,
 * see worker/records/record-format.ts) instead of misreading or overwriting what a newer release wrote. A snapshot's
 * chunks and an image's chunks are raw bytes: their layout is what their index entry or manifest says, so that record's
 * version covers them. Kept here, beside the keys, because a bump is as much a change of what is stored as a new key:
 * test/unit/stored-names.test.ts pins them, so it is always a deliberate, visible diff.
 */
export const FORMAT_VERSION = {
  snapshotIndex: 1,
  marker: 1,
  lastFailure: 1,
  fileState: 1,
  image: 1,
} as const satisfies Partial<Record<keyof typeof RECORD, number>>

/** A record key of the object store (a valid `IDBValidKey`; plain arrays so this module needs no DOM types). */
export type RecordKey = (string | number)[]

/** Key of a database's snapshot index. */
export const snapshotIndexKey = (database: string): RecordKey => [RECORD.snapshotIndex, database]

/** Key of chunk `index` of a snapshot. */
export const snapshotChunkKey = (database: string, id: string, index: number): RecordKey => [RECORD.snapshotChunk, database, id, index]

/** Key of a database's upgrade marker. */
export const markerKey = (database: string): RecordKey => [RECORD.marker, database]

/** Key of what the library last knew of a database's file. */
export const fileStateKey = (database: string): RecordKey => [RECORD.fileState, database]

/** Key of the manifest of a database kept in IndexedDB (`storage: 'indexeddb'`); its chunks follow it as `[..., i]`. */
export const imageKey = (database: string): RecordKey => [RECORD.image, database]

/** Key of chunk `index` of a database kept in IndexedDB. */
export const imageChunkKey = (database: string, index: number): RecordKey => [RECORD.image, database, index]

/** Key of a database's last failed upgrade. */
export const lastFailureKey = (database: string): RecordKey => [RECORD.lastFailure, database]

/**
 * Pieces an IndexedDB-kept image is saved in: 64 KiB (8 default pages) keeps a 256 MiB database at 4,096 values.
 * Never change: an image whose manifest names another size is loaded as damaged.
 */
export const IMAGE_CHUNK_BYTES = 64 * 1024

// ---- Tabs: Web Locks and BroadcastChannel (shared by tabs that may run different releases) ----

/** Name of the Web Lock held by the tab whose worker owns a database. Never change: older tabs queue on it. */
export const lockName = (database: string): string => `${LIBRARY}:${database}`

/**
 * Prefix of the tab locks of a database (`<prefix><knows>:<tabId>`), read back from `navigator.locks.query()`.
 * Never change: it is how tabs of every release find each other.
 */
export const tabLockPrefix = (database: string): string => `${lockName(database)}:tab:`

/** Name of the lock a tab's worker holds while it lives: `sqlite-opfs-migrate:<db>:tab:<knows>:<tabId>`. */
export const tabLockName = (database: string, knows: number, tabId: string): string => `${tabLockPrefix(database)}${knows}:${tabId}`

/** Name of the lock a tab takes when the database became unusable for it. Never change: other tabs look for it. */
export const brokenLockName = (database: string, tabId: string): string => `${lockName(database)}:broken:${tabId}`

/** Name of the lock a database worker holds while it lives ('/' never clashes with a database's locks). */
export const workerLockName = (tabId: string): string => `${LIBRARY}/worker/${tabId}`

/** Name of a database's BroadcastChannel. Never change: tabs of every release talk on it. */
export const tabChannelName = (database: string): string => `${LIBRARY}:${database}`

// ---- Inside users' database files ----

/** Name of the history table. Never change: every user's database records its applied migrations there. */
export const HISTORY_TABLE = 'schema_migrations'
