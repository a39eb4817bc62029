import type { UseStore } from 'idb-keyval'
import { describe, expect, it } from 'vitest'

import { SnapshotError } from '../../shared/errors'
import { writeChunks } from '../../worker/records/snapshot-chunks'

/**
 * An idb-keyval store whose transactions refuse the `failAt`-th put as a full disk would (QuotaExceededError): what
 * `writeChunks` does with a failed write is ours to test; IndexedDB itself is tested in the browser suites.
 */
function refusingStore(failAt: number): { store: UseStore; puts: IDBValidKey[] } {
  const puts: IDBValidKey[] = []
  const store: UseStore = (_mode, callback) => {
    const transaction = { commit() {}, oncomplete: null as null | (() => void), onerror: null, onabort: null, error: null as unknown }
    const objects = {
      transaction,
      put(_value: unknown, key: IDBValidKey) {
        puts.push(key)
        const refused = puts.length === failAt
        setTimeout(() => {
          if (!refused) return (transaction as { oncomplete: (() => void) | null }).oncomplete?.()
          transaction.error = new DOMException('quota', 'QuotaExceededError')
          ;(transaction as unknown as { onabort: (() => void) | null }).onabort?.()
        })
      },
    }
    return Promise.resolve(callback(objects as unknown as IDBObjectStore))
  }
  return { store, puts }
}

describe('writeChunks', () => {
  for (const inFlight of [1, 2, Infinity])
    it(`turns a refused chunk into SnapshotError SNAPSHOT_WRITE_FAILED (inFlight ${inFlight})`, async () => {
      const { store } = refusingStore(2)
      const chunks = [1, 2, 3, 4].map((n) => new Uint8Array(16).fill(n))
      const error = await writeChunks(store, 'app.db', 'snap-1', chunks, { inFlight }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SnapshotError)
      expect(error).toMatchObject({ code: 'SNAPSHOT_WRITE_FAILED', snapshotId: 'snap-1' })
      expect(String((error as Error).message)).toMatch(/QuotaExceededError|quota/)
    })

  it('hashes each chunk and combines the digests into the checksum', async () => {
    const { store, puts } = refusingStore(0)
    const written = await writeChunks(store, 'app.db', 'snap-2', [new Uint8Array([1]), new Uint8Array([2])], { inFlight: 2 })
    expect(puts).toEqual([
      ['snapshot', 'app.db', 'snap-2', 0],
      ['snapshot', 'app.db', 'snap-2', 1],
    ])
    expect(written.bytes).toBe(2)
    expect(written.chunkSha256).toHaveLength(2)
    expect(written.checksum).toMatch(/^[0-9a-f]{64}$/)
    expect(written.checksum).not.toBe(written.chunkSha256[0])
  })
})
