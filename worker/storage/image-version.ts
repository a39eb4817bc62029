/**
 * The version token of an IndexedDB image: a new one at every save, compared by the next save to know whether the image
 * moved under this worker (another tab saved, a save reported failed did commit, site data was cleared). It must never
 * repeat: a millisecond timestamp does (two saves in one millisecond, two workers, a clock set back), and a repeated
 * token makes a save diff against a stale copy and mix two files. A random id per worker plus a counter cannot.
 *
 * @example
 * const manifest = { ...rest, version: nextImageVersion() }
 */
export function nextImageVersion(): string {
  worker ??= crypto.randomUUID()
  return `${worker}:${++saves}`
}

let worker: string | undefined
let saves = 0
