import type { UseStore } from 'idb-keyval'

import type { Database, Sqlite3 } from '../../core/sqlite/sqlite'
import { OpfsUnavailableError, StorageMismatchError } from '../../shared/errors'
import type { StorageChoice, StorageInfo } from '../../shared/types'
import type { OpenState } from '../records/upgrade-marker'
import { openIndexedDbStorage } from './indexeddb-storage'
import { isOpfsMissing, openOpfsStorage, opfsHasDatabase } from './opfs-storage'

/**
 * Where one database's file lives, behind the few operations the rest of the worker needs: connect to it, copy it out,
 * replace it whole, and make committed writes durable. Two kinds: `opfs` (a file in an `opfs-sahpool` pool: SQLite's
 * writes are durable when they return) and `indexeddb` (the file in memory, saved to IndexedDB by `persist`).
 */
export interface Storage {
  readonly kind: 'opfs' | 'indexeddb'
  /** SQLite's VFS name, for `status()`. */
  readonly vfs: string
  /** A new connection to the file (creating it when it does not exist). */
  connect(): Database
  /** The whole file as SQLite committed it (`db`: the open connection, if any). */
  exportFile(db: Database | null): Uint8Array<ArrayBuffer>
  /** Replaces the file, whose connection is closed, with `bytes` (already checked); durable when it resolves. */
  replace(bytes: Uint8Array): Promise<void>
  /** Makes what `db` committed durable; resolves `true` when anything had to be written. A no-op for OPFS. */
  persist(db: Database): Promise<boolean>
  /**
   * Closes what the storage holds (OPFS access handles), once every connection is closed. Never the owner lock: the
   * tab's coordinator lets go of it after this returned (see `OwnerLock`).
   */
  shutdown(): void
}

/** The storage an open got, and why it is not the one asked for (see `StorageInfo.fallbackReason`). */
export interface OpenedStorage {
  storage: Storage
  info: StorageInfo
}

/** What `openStorage` needs. */
export interface OpenStorageOptions {
  sqlite3: Sqlite3
  /** The open's options that choose and open the storage. */
  request: { name: string; storage: StorageChoice; lockTimeoutMs: number; restoreFrom: string | null }
  /** The IndexedDB store of the database's records (and of its image, in IndexedDB storage). */
  store: UseStore
  /** What the records say about the database (`readOpenState`): where it lives. */
  known: OpenState
}

/**
 * Opens the storage of a database whose owner lock this worker holds, as `choice` asks:
 * - `'opfs'`: OPFS or a typed refusal (`OpfsUnavailableError`, `DatabaseLockedError`, `InsufficientStorageError`);
 * - `'indexeddb'`: the file in memory, loaded from (and saved to) IndexedDB;
 * - `'auto'`: where the database already lives; for a new one OPFS, and IndexedDB only when OPFS is unavailable in this
 *   context (never when it is merely held by another tab).
 * A database that already lives in the other storage is refused (`StorageMismatchError`) instead of being started empty.
 * When it fails it holds nothing; the caller still holds the owner lock (and decides when to let go of it).
 *
 * @example
 * const { storage, info } = await openStorage({ sqlite3, request, store, known: await readOpenState(store, request.name) })
 * const db = storage.connect()
 */
export async function openStorage({ sqlite3, request, store, known }: OpenStorageOptions): Promise<OpenedStorage> {
  const { name, storage: requested } = request
  let livesIn: Storage['kind'] | null = known.hasImage ? 'indexeddb' : known.state ? known.state.storage : null
  // Nothing recorded (a database from before the record, or never changed by an upgrade): before IndexedDB is chosen,
  // look at OPFS itself, so an existing file is never shadowed by an empty database.
  if (livesIn === null && requested === 'indexeddb' && (await opfsHasDatabase(name))) livesIn = 'opfs'
  const info = (kind: Storage['kind'], fallbackReason: string | null = null): StorageInfo => ({ kind, requested, fallbackReason })
  const inIndexedDb = async (reason: string | null): Promise<OpenedStorage> => {
    // `restoreFrom: <snapshot id>` replaces an image too damaged to load; 'current-file' needs it whole.
    const replacing = request.restoreFrom !== null && request.restoreFrom !== 'current-file'
    const storage = await openIndexedDbStorage({ sqlite3, store, database: name, replacingDamaged: replacing })
    return { storage, info: info('indexeddb', reason) }
  }
  if (requested !== 'auto' && livesIn && livesIn !== requested) {
    throw new StorageMismatchError(
      `database ${name} lives in ${livesIn === 'opfs' ? 'OPFS' : 'IndexedDB'}, but storage '${requested}' was asked for; ` +
        `opening it there would start an empty database beside it, so nothing was opened. Open it with storage: ` +
        `'${livesIn}' (or 'auto'); to move it, export it from there and import it into a database opened with '${requested}'`,
      requested,
      livesIn,
    )
  }
  if (requested === 'indexeddb') return inIndexedDb(null)
  if (requested === 'auto' && livesIn === 'indexeddb') return inIndexedDb(`database ${name} already lives in IndexedDB`)
  try {
    return { storage: await openOpfsStorage({ sqlite3, database: name, filesTimeoutMs: request.lockTimeoutMs }), info: info('opfs') }
  } catch (error) {
    // Only an engine (or window) without OPFS falls back, and only for a database that does not live in OPFS already.
    if (requested === 'auto' && error instanceof OpfsUnavailableError && isOpfsMissing(error)) {
      if (livesIn === null && !(await opfsHasDatabase(name))) return inIndexedDb(error.message)
      throw new OpfsUnavailableError(`${error.message}; database ${name} lives in OPFS, so it is not started empty in IndexedDB`, {
        cause: error,
      })
    }
    throw error
  }
}
