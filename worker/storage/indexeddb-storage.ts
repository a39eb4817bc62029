import { promisifyRequest, type UseStore } from 'idb-keyval'

import type { Database, Sqlite3 } from '../../core/sqlite/sqlite'
import { readSqliteHeader, SQLITE_HEADER_BYTES } from '../../core/sqlite/sqlite-header'
import { DatabaseCorruptError, UnsupportedFormatError, WriteNotSavedError } from '../../shared/errors'
import { IMAGE_CHUNK_BYTES, imageChunkKey, imageKey } from '../../shared/stored-names'
import { readOptionalRecord, stamp, type Stamped } from '../records/record-format'
import { nextImageVersion } from './image-version'
import type { Storage } from './storage'

// The image is saved in pieces of IMAGE_CHUNK_BYTES (shared/stored-names.ts). A commit rewrites only the pieces whose
// bytes changed, so small pieces keep a one-row write small.

/**
 * `['image', database]`: what the saved image is made of. Written in the same transaction as the chunks it describes,
 * with its `formatVersion`, which also covers the chunks (raw bytes laid out as the manifest says).
 */
export interface ImageManifest {
  bytes: number
  chunkBytes: number
  /** SQLite's file change counter (header bytes 24–27) of the saved image: it moves at every committed write. */
  changeCounter: number
  /** When it was saved, for people; never compared. */
  savedAt: string
  /** Unique to this save (see `nextImageVersion`). */
  version: string
}

/** The version of a damaged image loaded to be replaced: matches no manifest, so the next save writes the whole file. */
const DAMAGED = 'damaged'

/** What a save compares to learn whether the image moved. */
const versionOf = (manifest: ImageManifest | undefined): string | null => manifest?.version ?? null

const chunkKey = imageChunkKey

/** What `openIndexedDbStorage` opens. */
export interface OpenIndexedDbStorageOptions {
  sqlite3: Sqlite3
  /** The IndexedDB store the image is saved in. */
  store: UseStore
  database: string
  /**
   * `restoreFrom` is about to replace the image: an incomplete one is then loaded as what is left of it (see `load`), so
   * the copy kept before the restore holds its bytes, instead of being refused.
   */
  replacingDamaged?: boolean
}

/**
 * Storage for engines (or windows) without OPFS sync access handles: the database lives in memory in the worker (SQLite's
 * `memdb`), and every committed write is saved to IndexedDB before the call that made it resolves. The saved image is
 * the file itself, in 64 KiB chunks plus a manifest, always changed in one strict-durability transaction, so it is
 * never half written: a tab that dies mid-save leaves the previous commit. Everything above (migrations, snapshots,
 * restores, the upgrade marker) works on it as on an OPFS file.
 *
 * Cost: memory holds the file twice (SQLite's copy and the saved image, to find what changed); each commit compares the
 * two (a few ms per 10 MiB) and writes the changed chunks. See BENCHMARKS.md for figures.
 *
 * @example
 * const storage = await openIndexedDbStorage({ sqlite3, store: snapshotStore(), database: 'app.db' })
 * const db = storage.connect()
 * db.exec('INSERT INTO notes (title) VALUES (1)')
 * await storage.persist(db) // durable now
 */
export async function openIndexedDbStorage({
  sqlite3,
  store,
  database,
  replacingDamaged = false,
}: OpenIndexedDbStorageOptions): Promise<Storage> {
  const image = new Image(sqlite3, store, database)
  await image.load(replacingDamaged)
  return {
    kind: 'indexeddb',
    vfs: 'memdb',
    connect: () => image.connect(),
    exportFile: (db) => (db ? image.exportLive(db) : image.bytes()),
    replace: (bytes) => image.save(bytes, 0, bytes.byteLength, counterOf(bytes, 0, bytes.byteLength)),
    persist: (db) => image.persist(db),
    // Nothing to close: the connection (closed before this) held the only copy in SQLite's memory.
    shutdown: () => {},
  }
}

/** The saved image of one database: its chunks as last saved, and how to load, compare and save them. */
class Image {
  #chunks: Uint8Array<ArrayBuffer>[] = []
  #bytes = 0
  #changeCounter = 0
  /** Version of the manifest this worker last read or wrote: a different one in IndexedDB means the image moved. */
  #version: string | null = null
  /** Set by SQLite's commit hook: in exclusive locking mode the change counter moves only once per lock. */
  #committed = false

  constructor(
    readonly sqlite3: Sqlite3,
    readonly store: UseStore,
    readonly database: string,
  ) {}

  /**
   * Reads the manifest and every chunk in one transaction; a missing or mis-sized chunk is `DatabaseCorruptError`, unless
   * `keepDamaged`: the file is then the chunks that exist, in order, as they are.
   */
  async load(keepDamaged = false): Promise<void> {
    const range = IDBKeyRange.bound(chunkKey(this.database, 0), chunkKey(this.database, Infinity))
    const [manifest, keys, chunks] = await this.store('readonly', (objects) =>
      Promise.all([
        promisifyRequest(objects.get(imageKey(this.database))) as Promise<ImageManifest | undefined>,
        promisifyRequest(objects.getAllKeys(range)),
        promisifyRequest(objects.getAll(range)) as Promise<Uint8Array<ArrayBuffer>[]>,
      ]).then(([stored, ...rest]) => [readOptionalRecord('image', this.database, stored), ...rest] as const),
    )
    if (!manifest) return
    const expected = Math.ceil(manifest.bytes / manifest.chunkBytes)
    const sizes = chunks.map((c) => c?.byteLength)
    const whole =
      chunks.length === expected &&
      keys.every((key, i) => (key as unknown[])[2] === i) &&
      chunks.every(
        (c, i) => c instanceof Uint8Array && c.byteLength === Math.min(manifest.chunkBytes, manifest.bytes - i * manifest.chunkBytes),
      )
    if ((!whole || manifest.chunkBytes !== IMAGE_CHUNK_BYTES) && keepDamaged) return this.#loadDamaged(chunks, manifest)
    // Caught by the open, which lists the snapshots to restore from (see `corruptError`).
    if (!whole || manifest.chunkBytes !== IMAGE_CHUNK_BYTES)
      throw new DatabaseCorruptError(
        `its saved image in IndexedDB is incomplete (${chunks.length} of ${expected} chunks, sizes ` +
          `${sizes.slice(0, 5).join(', ')}${sizes.length > 5 ? ', …' : ''})`,
        'malformed',
        null,
        [],
      )
    this.#chunks = chunks
    this.#bytes = manifest.bytes
    this.#changeCounter = manifest.changeCounter
    this.#version = versionOf(manifest)
  }

  /**
   * An incomplete image about to be replaced: nothing of it is dropped or invented, so the `before-restore` snapshot
   * holds exactly the bytes that were saved. The next save writes the whole file (this copy is no diff base).
   */
  #loadDamaged(chunks: unknown[], manifest: ImageManifest): void {
    this.#chunks = chunks.filter((c): c is Uint8Array<ArrayBuffer> => c instanceof Uint8Array)
    this.#bytes = this.#chunks.reduce((sum, c) => sum + c.byteLength, 0)
    this.#changeCounter = manifest.changeCounter
    this.#version = DAMAGED
  }

  /** A new in-memory connection holding a copy of the saved image. */
  connect(): Database {
    const { capi, wasm } = this.sqlite3
    const db = new this.sqlite3.oo1.DB(':memory:')
    try {
      // sqlite3_deserialize owns the allocation from here (FREEONCLOSE), even when it fails; RESIZEABLE lets it grow.
      const pointer = wasm.alloc(Math.max(1, this.#bytes))
      let at = pointer
      for (const chunk of this.#chunks) {
        wasm.heap8u().set(chunk, at)
        at += chunk.byteLength
      }
      const flags = capi.SQLITE_DESERIALIZE_FREEONCLOSE | capi.SQLITE_DESERIALIZE_RESIZEABLE
      db.checkRc(capi.sqlite3_deserialize(db.pointer!, 'main', pointer, this.#bytes, this.#bytes, flags))
      // VACUUM does not call it; the change counter and the size catch that (see persist).
      capi.sqlite3_commit_hook(db.pointer!, () => ((this.#committed = true), 0), 0)
      return db
    } catch (error) {
      db.close()
      throw error
    }
  }

  /** The whole file as `db` holds it (a copy). */
  exportLive(db: Database): Uint8Array<ArrayBuffer> {
    const { pointer, size } = this.#view(db)
    return this.sqlite3.wasm.heap8u().slice(pointer, pointer + size)
  }

  /** memdb's own buffer (no copy): valid until the next call into SQLite. */
  #view(db: Database): { pointer: number; size: number } {
    const { capi, wasm } = this.sqlite3
    const stack = wasm.pstack.pointer
    try {
      const pSize = wasm.pstack.alloc(8)
      const pointer = capi.sqlite3_serialize(db.pointer!, 'main', pSize, capi.SQLITE_SERIALIZE_NOCOPY) as number
      const size = Number(wasm.peek64(pSize))
      if (size > 0 && !pointer) throw new Error(`database ${this.database} is not a memdb database`)
      return { pointer, size }
    } finally {
      wasm.pstack.restore(stack)
    }
  }

  /** The saved image, whole. */
  bytes(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.#bytes)
    let at = 0
    for (const chunk of this.#chunks) {
      out.set(chunk, at)
      at += chunk.byteLength
    }
    return out
  }

  /**
   * Saves what `db` committed since the last save. Skipped while a transaction is open (the memdb then holds pages
   * that are not committed) and when SQLite's change counter and the size have not moved. A save that fails undoes
   * nothing itself: the caller reconnects from the image, which is still the last save.
   */
  async persist(db: Database): Promise<boolean> {
    const { capi, wasm } = this.sqlite3
    if (!capi.sqlite3_get_autocommit(db.pointer!)) return false
    const { pointer, size } = this.#view(db)
    const heap = wasm.heap8u()
    const counter = counterOf(heap, pointer, size)
    if (!this.#committed && size === this.#bytes && counter === this.#changeCounter) return false
    await this.save(heap, pointer, size, counter)
    this.#committed = false
    return true
  }

  /**
   * Writes the chunks of `source[offset, offset + size)` that differ from the saved image, the manifest, and deletes
   * chunks past the new end, in one transaction; then takes them as the saved image. Changed chunks are copied before
   * the first await: `source` may be the WASM heap.
   */
  async save(source: Uint8Array, offset: number, size: number, changeCounter: number): Promise<void> {
    const count = Math.ceil(size / IMAGE_CHUNK_BYTES)
    const changed = new Map<number, Uint8Array<ArrayBuffer>>()
    for (let i = 0; i < count; i++) {
      const start = offset + i * IMAGE_CHUNK_BYTES
      const piece = source.subarray(start, Math.min(start + IMAGE_CHUNK_BYTES, offset + size))
      if (!sameBytes(piece, this.#chunks[i])) changed.set(i, piece.slice())
    }
    // The unchanged chunks equal this worker's copy of the last save: a full write needs no other copy of the file.
    const whole = () => new Map(Array.from({ length: count }, (_, i) => [i, changed.get(i) ?? this.#chunks[i]!] as const))
    const manifest: Stamped<ImageManifest> = stamp('image', {
      bytes: size,
      chunkBytes: IMAGE_CHUNK_BYTES,
      changeCounter,
      savedAt: new Date().toISOString(),
      version: nextImageVersion(),
    } satisfies ImageManifest)
    const expected = this.#version
    try {
      await this.store(
        'readwrite',
        (objects) =>
          new Promise<void>((resolve, reject) => {
            const transaction = objects.transaction
            let failure: unknown
            const current = objects.get(imageKey(this.database))
            current.onsuccess = () => {
              // A put that throws (quota, clone error) must fail the save, not escape into the worker and kill it.
              try {
                // The image moved under this worker (site data cleared, a save reported failed that did commit): a
                // diff against this worker's copy would mix two files, so it is written whole.
                // A newer release saved it since (another tab): refused, never overwritten.
                const saved = readOptionalRecord('image', this.database, current.result as ImageManifest | undefined)
                const writes = versionOf(saved) === expected ? changed : whole()
                for (const [i, chunk] of writes) objects.put(chunk, chunkKey(this.database, i))
                // Also when the image did not shrink: chunks left by a damaged image must not outlive it.
                objects.delete(IDBKeyRange.bound(chunkKey(this.database, count), chunkKey(this.database, Infinity)))
                objects.put(manifest, imageKey(this.database))
              } catch (error) {
                failure = error
                transaction.abort()
              }
            }
            transaction.oncomplete = () => resolve()
            transaction.onabort = transaction.onerror = () =>
              reject(failure ?? transaction.error ?? new DOMException('save aborted', 'AbortError'))
          }),
      )
    } catch (cause) {
      if (cause instanceof UnsupportedFormatError) throw cause
      // Whether it committed is unknown: the next save checks the manifest and writes whole if it must.
      const quota = (cause as Error)?.name === 'QuotaExceededError'
      throw new WriteNotSavedError(
        `could not save ${this.database} to IndexedDB (${String(cause)}); the write was undone: the database is as it was last saved`,
        quota,
        { cause },
      )
    }
    for (const [i, chunk] of changed) this.#chunks[i] = chunk
    this.#chunks.length = count
    this.#bytes = size
    this.#changeCounter = changeCounter
    this.#version = versionOf(manifest)
  }
}

/** SQLite's file change counter of the `size` bytes at `offset` (0 for an empty file). */
function counterOf(source: Uint8Array, offset: number, size: number): number {
  return readSqliteHeader(source.subarray(offset, offset + Math.min(size, SQLITE_HEADER_BYTES))).changeCounter
}

/** Byte equality, four bytes at a time where alignment allows (a few ms per 10 MiB). */
function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (!b || a.byteLength !== b.byteLength) return false
  const n = a.byteLength
  let i = 0
  if ((a.byteOffset & 3) === 0 && (b.byteOffset & 3) === 0) {
    const x = new Int32Array(a.buffer, a.byteOffset, n >> 2)
    const y = new Int32Array(b.buffer, b.byteOffset, n >> 2)
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false
    i = x.length << 2
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false
  return true
}
