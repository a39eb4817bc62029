// The web-standard globals that every runtime of this package has: a browser page, a worker and Node ≥ 20. shared/ and
// core/ are checked against ES2022 plus these alone (no DOM, no Node types), so a `navigator`, a `document` or a
// `node:fs` there fails the typecheck instead of failing in the one runtime that lacks it. Declared narrowly, by hand:
// add a member here only if it exists in all three runtimes.

export {}

declare global {
  type BufferSource = ArrayBufferView | ArrayBuffer

  interface Blob {
    readonly size: number
    readonly type: string
    arrayBuffer(): Promise<ArrayBuffer>
    slice(start?: number, end?: number, contentType?: string): Blob
  }

  class TextEncoder {
    encode(input?: string): Uint8Array<ArrayBuffer>
  }

  class TextDecoder {
    constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean })
    decode(input?: BufferSource, options?: { stream?: boolean }): string
  }

  var crypto: {
    readonly subtle: { digest(algorithm: string, data: BufferSource): Promise<ArrayBuffer> }
  }

  var performance: { now(): number }

  var console: {
    error(...data: unknown[]): void
    warn(...data: unknown[]): void
    log(...data: unknown[]): void
  }

  function structuredClone<T>(value: T): T
}
