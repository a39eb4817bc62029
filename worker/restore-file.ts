import type { Storage } from './open-storage'

/**
 * Writes a snapshot's bytes over the (closed) database file, streamed from the Blob in chunks so the file is never
 * held twice in memory. A leftover rollback journal is deleted first: SQLite would otherwise "roll it back" onto the
 * restored bytes at the next open.
 *
 * @example
 * db.close()
 * await restoreFile(storage, blob, (bytesRead) => report(bytesRead))
 */
export async function restoreFile(storage: Storage, blob: Blob, onChunk?: (bytesRead: number) => void): Promise<number> {
  const { pool, path } = storage
  for (const suffix of ['-journal', '-wal']) if (pool.getFileNames().includes(path + suffix)) pool.unlink(path + suffix)
  // A database that was never written is a 0-byte file, which importDb refuses; "restoring" it means emptying it.
  if (blob.size === 0) {
    pool.unlink(path)
    onChunk?.(0)
    return 0
  }
  const reader = blob.stream().getReader()
  let bytesRead = 0
  return pool.importDb(path, async () => {
    const { done, value } = await reader.read()
    if (done) return undefined
    bytesRead += value.byteLength
    onChunk?.(bytesRead)
    return value
  })
}
