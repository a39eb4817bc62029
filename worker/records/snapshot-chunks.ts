import { getMany, promisifyRequest, type UseStore } from 'idb-keyval'

import { sha256Hex } from '../../core/runner/checksum'
import { SnapshotError } from '../../shared/errors'
import { snapshotChunkKey } from '../../shared/stored-names'
import type { SnapshotInfo } from '../../shared/types'

/**
 * A snapshot is stored as Blobs of `CHUNK_BYTES` each (the last one shorter), each with its own sha-256. Chunks let a
 * 256 MiB file go to IndexedDB without ever being in memory whole, let IndexedDB write one chunk while the next is
 * read and hashed, and let a restore check every byte before it writes any.
 */
export const CHUNK_BYTES = 8 * 1024 * 1024

/**
 * Key of one chunk. Chunks are raw bytes: their layout (`chunkBytes`, the sha-256 of each, the checksum) is the one the
 * snapshot's index entry states, so the entry's `formatVersion` covers them (see snapshot-store.ts).
 */
const chunkKey = snapshotChunkKey

/** What writing the chunks produced: the fields of the snapshot's index entry that depend on its bytes. */
export interface WrittenChunks {
  bytes: number
  chunkBytes: number
  chunkSha256: string[]
  checksum: string
}

/** Options of `writeChunks`. */
export interface WriteChunksOptions {
  /**
   * Chunks handed to IndexedDB but not yet durable. Bounds memory (≈ inFlight × CHUNK_BYTES) at the cost of waiting for
   * the disk; `Infinity` reads everything at once (the upgrade does, to run its migration while IndexedDB writes).
   */
  inFlight: number
  /** Called as chunks become durable, with the bytes durable so far. */
  onDurable?: (bytes: number) => void
}

/**
 * Stores `chunks` (each copied when it is taken, so the producer may reuse its buffer) as chunk Blobs of snapshot `id`,
 * each put in its own durable transaction that is committed at once, so it completes even while this thread is busy.
 * The returned promise resolves when every chunk is on disk and hashed. On failure the chunks already written stay:
 * the caller deletes them (they are not listed, so `pruneSnapshots` would too).
 *
 * @example
 * const written = await writeChunks(store, 'app.db', id, file.chunks(CHUNK_BYTES), { inFlight: 2 })
 */
export async function writeChunks(
  store: UseStore,
  database: string,
  id: string,
  chunks: Iterable<Uint8Array>,
  { inFlight, onDurable }: WriteChunksOptions,
): Promise<WrittenChunks> {
  const writes: Promise<void>[] = []
  const digests: Promise<string>[] = []
  let bytes = 0
  let durable = 0
  // A refused write becomes SNAPSHOT_WRITE_FAILED wherever it is awaited; what the producer throws (e.g. a
  // TransactionOpenError) passes through as it is.
  const writeFailed = (cause: unknown): never => {
    throw new SnapshotError('SNAPSHOT_WRITE_FAILED', `could not store a snapshot of ${database} in IndexedDB: ${String(cause)}`, id, {
      cause,
    })
  }
  for (const chunk of chunks) {
    if (writes.length >= inFlight) await writes[writes.length - inFlight]
    const size = chunk.byteLength
    bytes += size
    // Both take a copy now (the producer reuses its buffer). Web Crypto hashes in the call, on this thread (~1.2 ms per
    // MiB in Chromium); a helper worker hashing the Blobs instead was slower on two cores (it competes with the
    // migration and reads every chunk back).
    digests.push(sha256Hex(chunk as Uint8Array<ArrayBuffer>))
    const blob = new Blob([chunk as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' })
    const write = putCommitted(store, chunkKey(database, id, writes.length), blob).then(() => onDurable?.((durable += size)), writeFailed)
    write.catch(() => {}) // awaited in turn; this only keeps an early failure from being reported as unhandled
    writes.push(write)
  }
  await Promise.all(writes)
  const chunkSha256 = await Promise.all(digests)
  return { bytes, chunkBytes: CHUNK_BYTES, chunkSha256, checksum: await combinedChecksum(chunkSha256) }
}

/** One `put` in its own transaction, committed explicitly: it does not wait for this thread to return to its loop. */
function putCommitted(store: UseStore, key: IDBValidKey, value: unknown): Promise<void> {
  return store('readwrite', (objects) => {
    objects.put(value, key)
    objects.transaction.commit()
    return promisifyRequest(objects.transaction)
  })
}

/**
 * The snapshot's checksum: the sha-256 of the file when it is one chunk (≤ 8 MiB), otherwise the sha-256 of its
 * chunks' sha-256 digests concatenated (a hash list, as in S3 multipart ETags).
 */
async function combinedChecksum(chunkSha256: readonly string[]): Promise<string> {
  if (chunkSha256.length === 1) return chunkSha256[0]!
  const joined = new Uint8Array(chunkSha256.flatMap((h) => h.match(/../g)!.map((b) => parseInt(b, 16))))
  return sha256Hex(joined)
}

/** Keys of a snapshot's chunk Blobs. */
export function snapshotKeys(info: SnapshotInfo): IDBValidKey[] {
  return info.chunkSha256.map((_, i) => chunkKey(info.database, info.id, i))
}

/** A snapshot's chunk Blobs (`undefined` where one is missing), in one read transaction. */
function chunkBlobs(store: UseStore, info: SnapshotInfo): Promise<(Blob | undefined)[]> {
  return getMany<Blob | undefined>(snapshotKeys(info), store)
}

/**
 * Reads a snapshot chunk by chunk, checking each against its sha-256, and hands each to `onChunk` in order (after it
 * was checked). Memory: one chunk. Throws `SnapshotError` `SNAPSHOT_NOT_FOUND` or `SNAPSHOT_CORRUPT`, naming the chunk.
 *
 * @example
 * const parts: Blob[] = []
 * await readVerifiedChunks(store, info, (blob) => parts.push(blob))
 */
export async function readVerifiedChunks(store: UseStore, info: SnapshotInfo, onChunk: (blob: Blob) => void): Promise<void> {
  const blobs = await chunkBlobs(store, info)
  for (let i = 0; i < blobs.length; i++) {
    const blob = blobs[i]
    if (!blob) throw missing(info, i)
    const bytes = new Uint8Array(await blob.arrayBuffer())
    checkChunk(info, i, bytes.byteLength, await sha256Hex(bytes))
    onChunk(blob)
  }
}

/**
 * A snapshot's bytes in one buffer, every chunk checked against its sha-256 before this returns, so nothing is ever
 * written from a damaged snapshot. Holds the file once, plus the chunk being hashed.
 * Throws `SnapshotError` `SNAPSHOT_NOT_FOUND` or `SNAPSHOT_CORRUPT`.
 *
 * @example
 * const bytes = await readVerifiedBytes(store, info)
 */
export async function readVerifiedBytes(store: UseStore, info: SnapshotInfo): Promise<Uint8Array<ArrayBuffer>> {
  const blobs = await chunkBlobs(store, info)
  const absent = blobs.findIndex((blob) => !blob)
  if (absent >= 0) throw missing(info, absent)
  blobs.forEach((blob, i) => checkChunk(info, i, blob!.size, null))
  // One read of the whole file is several times faster than reading its chunks one by one (measured: 64 MiB in
  // ~40 ms against ~140 ms). Web Crypto then hashes each chunk (on this thread, in Chromium: ~80 ms per 64 MiB).
  const bytes = new Uint8Array(await new Blob(blobs as Blob[]).arrayBuffer())
  const digests: Promise<string>[] = []
  for (let i = 0; i < blobs.length; i++) {
    // One at a time: Web Crypto copies what it hashes, so this bounds the extra memory to one chunk.
    if (i > 0) await digests[i - 1]
    digests.push(sha256Hex(bytes.subarray(i * info.chunkBytes, Math.min((i + 1) * info.chunkBytes, info.bytes))))
  }
  ;(await Promise.all(digests)).forEach((sha256, i) => checkChunk(info, i, blobs[i]!.size, sha256))
  return bytes
}

/** Throws `SNAPSHOT_CORRUPT` unless chunk `i` has the size (and, if given, the sha-256) the index entry says. */
function checkChunk(info: SnapshotInfo, i: number, size: number, sha256: string | null): void {
  const expected = Math.min(info.chunkBytes, info.bytes - i * info.chunkBytes)
  const problem =
    size !== expected
      ? `has ${size} bytes, not ${expected}`
      : sha256 !== null && sha256 !== info.chunkSha256[i]
        ? `has sha-256 ${sha256.slice(0, 12)}…, not ${info.chunkSha256[i]!.slice(0, 12)}…`
        : null
  if (problem)
    throw new SnapshotError(
      'SNAPSHOT_CORRUPT',
      `snapshot ${info.id} of ${info.database} does not match its checksum: chunk ${i + 1} of ${info.chunkSha256.length} ${problem}`,
      info.id,
    )
}

function missing(info: SnapshotInfo, i: number): SnapshotError {
  return new SnapshotError(
    'SNAPSHOT_NOT_FOUND',
    `snapshot ${info.id} of ${info.database} is missing chunk ${i + 1} of ${info.chunkSha256.length}`,
    info.id,
  )
}
