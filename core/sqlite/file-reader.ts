import type { Database, Sqlite3 } from './sqlite'

/**
 * Reads the main file of an open connection in large pieces through its VFS's own `xRead` (for opfs-sahpool: one
 * `FileSystemSyncAccessHandle.read` per piece, straight into a buffer in the WASM heap). As fast as `exportFile`, but
 * the file never has to be in memory whole. Read only while no transaction is open: the file is then exactly what
 * SQLite committed. Free the buffer with `close()`.
 *
 * @example
 * const reader = openFileReader(sqlite3, db, 8 << 20)
 * try { for (let at = 0; at < reader.size; at += 8 << 20) send(reader.read(at, 8 << 20)) } finally { reader.close() }
 */
export function openFileReader(sqlite3: Sqlite3, db: Database, maxPiece: number): FileReader {
  const { capi, wasm } = sqlite3
  const scratch = wasm.alloc(8)
  let buffer = 0
  try {
    db.checkRc(capi.sqlite3_file_control(db.pointer!, 'main', capi.SQLITE_FCNTL_FILE_POINTER, scratch))
    const pFile = wasm.peekPtr(scratch)
    const file = new capi.sqlite3_file(pFile)
    const io = new capi.sqlite3_io_methods(file.$pMethods)
    // Struct members are read as `$name` (a function pointer here); the bundled types name them without the `$`.
    const pointers = io as unknown as { $xRead: number; $xFileSize: number }
    const xRead = wasm.functionEntry(pointers.$xRead) as unknown as (pFile: number, pDest: number, n: number, offset: bigint) => number
    const xFileSize = wasm.functionEntry(pointers.$xFileSize) as unknown as (pFile: number, pSize: number) => number
    file.dispose()
    io.dispose()
    db.checkRc(xFileSize(pFile, scratch))
    const size = Number(wasm.peek64(scratch))
    buffer = wasm.alloc(Math.max(1, Math.min(maxPiece, size)))
    const at = buffer
    return {
      size,
      read(offset, length) {
        const n = Math.min(length, maxPiece, size - offset)
        db.checkRc(xRead(pFile, at, n, BigInt(offset)))
        // A view, not a copy: valid until the next call into SQLite (which may move the heap).
        return wasm.heap8u().subarray(at, at + n)
      },
      close() {
        wasm.dealloc(at)
      },
    }
  } catch (error) {
    if (buffer) wasm.dealloc(buffer)
    throw error
  } finally {
    wasm.dealloc(scratch)
  }
}

/** A reader made by `openFileReader`. */
export interface FileReader {
  /** Size of the file in bytes. */
  readonly size: number
  /** Up to `length` bytes at `offset`, as a view into the WASM heap: copy them before calling SQLite again. */
  read(offset: number, length: number): Uint8Array
  /** Frees the buffer. */
  close(): void
}
