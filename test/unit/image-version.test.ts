import { describe, expect, it, vi } from 'vitest'

// The token a save of an IndexedDB image is compared by: a repeat makes a save diff against a stale copy.
describe('IndexedDB image version token', () => {
  it('never repeats within a worker, however fast the saves', async () => {
    const { nextImageVersion } = await import('../../worker/storage/image-version')
    const tokens = Array.from({ length: 5000 }, () => nextImageVersion())
    expect(new Set(tokens).size).toBe(tokens.length)
  })

  it('never repeats across workers (each starts its own count), even at the same moment', async () => {
    vi.resetModules()
    const first = await import('../../worker/storage/image-version')
    vi.resetModules()
    const second = await import('../../worker/storage/image-version')
    expect(first).not.toBe(second)
    const a = Array.from({ length: 100 }, () => first.nextImageVersion())
    const b = Array.from({ length: 100 }, () => second.nextImageVersion())
    expect(new Set([...a, ...b]).size).toBe(200)
  })
})
