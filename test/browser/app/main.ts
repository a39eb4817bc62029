import { proxy, type Remote, transferHandlers, wrap } from 'comlink'
import {
  type DatabaseHandle,
  openDatabase,
  type OpenDatabaseOptions,
  type ProgressEvent,
  SqliteOpfsMigrateError,
  type VersionChangeEvent,
} from 'sqlite-opfs-migrate'

import { shapeOf } from './error-shape'
import { FAULT_CHANNEL } from './fault-points'
import { databaseDigest, type SnapshotTamper, type Tamper, tamperFile, tamperMarkedSnapshot } from './inspect-file'
import { readRecord, storedRecords, writeRecord } from './stored-records'

/**
 * A small harness the Playwright specs drive through `page.evaluate`: it keeps open handles by name and turns errors
 * into plain data (class, code, fields) so specs can assert on them.
 */
const handles = new Map<string, DatabaseHandle>()
const workers = new Map<string, Worker>()
type AppWorker = { fail(): void; shapeFromPage(callback: () => void): ReturnType<typeof shapeOf> | null }
let appWorker: Remote<AppWorker> | undefined
const initialThrowHandler = transferHandlers.get('throw')
const progress: ProgressEvent[] = []
const versionChanges: VersionChangeEvent[] = []
/** Fault points reached by workers of this browser context (see fault-points.ts), and the workers to kill there. */
const faults: string[] = []
const killAtFault = new Set<Worker>()
/** `insertMany`'s outcomes so far, by prefix, and the prefixes told to stop. */
const writes: Record<string, { title: string; ok: boolean; code?: string; ms: number; at: number }[]> = {}
const stopped = new Set<string>()
/** Databases whose worker `open({ killAfterMs })` has terminated. */
const killed: string[] = []
/** Whether `holdSnapshotStore()` keeps its IndexedDB transaction alive. */
let storeHeld = false
new BroadcastChannel(FAULT_CHANNEL).onmessage = (event: MessageEvent<{ point: string }>) => {
  faults.push(event.data.point)
  for (const worker of killAtFault) worker.terminate()
  killAtFault.clear()
}

export interface OpenArgs {
  name: string
  set?: string
  workerParams?: Record<string, string>
  /** Terminate the worker when this migration version starts. */
  terminateAtVersion?: number
  /** Terminate the worker as soon as it is created, before it can run anything (the app changed its mind). */
  terminateAtStart?: boolean
  /** Terminate the worker when it reaches its fault point (`workerParams.faultAt`, see fault-points.ts). */
  killAtFault?: boolean
  /** Terminate the worker this many ms after it is created (the fuzz's random moment). */
  killAfterMs?: number
  options?: Partial<Omit<OpenDatabaseOptions, 'name' | 'worker' | 'onProgress' | 'onVersionChange'>>
}

function describeError(error: unknown) {
  const e = error as Record<string, unknown> & Error
  return {
    isLibraryError: error instanceof SqliteOpfsMigrateError,
    className: e?.constructor?.name,
    name: e?.name,
    code: e?.code,
    message: e?.message,
    fields: JSON.parse(JSON.stringify({ ...e, details: e?.details })),
    cause: e?.cause instanceof Error ? JSON.parse(JSON.stringify({ ...e.cause, name: e.cause.name, message: e.cause.message })) : undefined,
  }
}

async function attempt<T>(run: () => Promise<T>) {
  try {
    return { ok: true as const, value: await run() }
  } catch (error) {
    return { ok: false as const, error: describeError(error) }
  }
}

const harness = {
  progress,
  versionChanges,
  faults,
  killed,
  async open({
    name,
    set = 'v2',
    workerParams = {},
    terminateAtVersion,
    terminateAtStart = false,
    killAtFault: kill = false,
    killAfterMs,
    options = {},
  }: OpenArgs) {
    return attempt(async () => {
      const url = new URL('./test.worker.ts', import.meta.url)
      url.search = new URLSearchParams({ set, ...workerParams }).toString()
      // The traps kill the worker this open made, never a later one opened under the same name.
      let own: Worker | undefined
      const db = await openDatabase({
        name,
        ...options,
        worker: () => {
          own = new Worker(url, { type: 'module' })
          workers.set(name, own)
          if (kill) killAtFault.add(own)
          if (killAfterMs !== undefined)
            setTimeout(
              (w: Worker) => {
                w.terminate()
                killed.push(name)
              },
              killAfterMs,
              own,
            )
          if (terminateAtStart) own.terminate()
          return own
        },
        onProgress: (event) => {
          progress.push(event)
          if (event.type === 'migration-start' && event.version === terminateAtVersion) own?.terminate()
        },
        onVersionChange: (event) => versionChanges.push(event),
      })
      handles.set(name, db)
      return db.opened
    })
  },
  /** Opens with an arbitrary worker script URL (for broken-worker cases). */
  openWorkerUrl: (name: string, url: string) =>
    attempt(async () => {
      const db = await openDatabase({ name, worker: () => new Worker(url, { type: 'module' }) })
      handles.set(name, db)
      return db.opened
    }),
  handle(name: string): DatabaseHandle {
    const db = handles.get(name)
    if (!db) throw new Error(`no open handle ${name}`)
    return db
  },
  query: (name: string, sql: string, params?: unknown[]) => attempt(() => harness.handle(name).query(sql, params as never)),
  exec: (name: string, sql: string, params?: unknown[]) => attempt(() => harness.handle(name).exec(sql, params as never)),
  batch: (name: string, statements: { sql: string; params?: unknown[] }[]) =>
    attempt(() => harness.handle(name).batch(statements as never)),
  status: (name: string) => attempt(() => harness.handle(name).status()),
  snapshot: (name: string) => attempt(() => harness.handle(name).snapshot()),
  restore: (name: string, id: string) => attempt(() => harness.handle(name).restoreSnapshot(id)),
  migrate: (name: string) => attempt(() => harness.handle(name).migrate()),
  /** Imports the current file of database `source` into database `target`. */
  importFrom: (target: string, source: string) =>
    attempt(async () => harness.handle(target).importDatabase(await harness.handle(source).exportDatabase())),
  /** Imports the current file of `source` into `target` with some header bytes changed (`[offset, value]` pairs). */
  importPatched: (target: string, source: string, patches: [number, number][]) =>
    attempt(async () => {
      const bytes = new Uint8Array(await (await harness.handle(source).exportDatabase()).arrayBuffer())
      for (const [offset, value] of patches) bytes[offset] = value
      return harness.handle(target).importDatabase(new Blob([bytes]))
    }),
  /**
   * Inserts `count` notes titled `<prefix> <i>`, one call after the other, and reports each call's outcome (for
   * exactly-once checks across a failover). The outcomes so far are in `harness.writes[prefix]` meanwhile, and
   * `harness.stopWriting(prefix)` ends the loop early, so a test can wait for what it needs instead of sleeping.
   */
  async insertMany(name: string, prefix: string, count: number) {
    const outcomes: { title: string; ok: boolean; code?: string; ms: number; at: number }[] = []
    writes[prefix] = outcomes
    stopped.delete(prefix)
    for (let i = 0; i < count && !stopped.has(prefix); i++) {
      const title = `${prefix} ${i}`
      const at = Date.now()
      const started = performance.now()
      const result = await attempt(() => harness.handle(name).exec('INSERT INTO notes (title) VALUES (?)', [title]))
      outcomes.push({
        title,
        ok: result.ok,
        ...(result.ok ? {} : { code: String(result.error.code) }),
        ms: performance.now() - started,
        at,
      })
    }
    return outcomes
  },
  writes,
  stopWriting(prefix: string) {
    stopped.add(prefix)
  },
  /** Like `insertMany`, but each call is a `batch()` of two inserts (`<prefix> <i>a`, `<prefix> <i>b`): all or nothing. */
  async batchMany(name: string, prefix: string, count: number) {
    const outcomes: { titles: string[]; ok: boolean; code?: string }[] = []
    for (let i = 0; i < count; i++) {
      const titles = [`${prefix} ${i}a`, `${prefix} ${i}b`]
      const statements = titles.map((title) => ({ sql: 'INSERT INTO notes (title) VALUES (?)', params: [title] }))
      const result = await attempt(() => harness.handle(name).batch(statements))
      outcomes.push({ titles, ok: result.ok, ...(result.ok ? {} : { code: String(result.error.code) }) })
    }
    return outcomes
  },
  /** Median time of `count` small queries, in ms. */
  async medianQueryMs(name: string, count: number) {
    const times: number[] = []
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      await harness.handle(name).query('SELECT id, title FROM notes WHERE id = ?', [i % 10])
      times.push(performance.now() - started)
    }
    times.sort((a, b) => a - b)
    return times[Math.floor(times.length / 2)]!
  },
  close: (name: string) => attempt(() => harness.handle(name).close()),
  /** sha-256 and size of the exported file (without shipping its bytes to the test). */
  fileSha256: (name: string) => attempt(async () => blobSha256(await harness.handle(name).exportDatabase())),
  /** sha-256 and size of a snapshot's bytes (the library checks every chunk before handing them out). */
  snapshotSha256: (name: string, id: string) => attempt(async () => blobSha256(await harness.handle(name).exportSnapshot(id))),
  /** Version, history and a sha-256 of every row of every table (see `databaseDigest`). */
  digest: (name: string) => attempt(() => databaseDigest(harness.handle(name))),
  /** Damages the closed database's file in OPFS (see `tamperFile`). */
  tamper: (name: string, how: Tamper) => attempt(() => tamperFile(name, how)),
  /** Damages the snapshot an interrupted upgrade of `name` needs (see `tamperMarkedSnapshot`). */
  tamperSnapshot: (name: string, how: SnapshotTamper) => attempt(() => tamperMarkedSnapshot(name, how)),
  /** Every IndexedDB record and the OPFS file of a closed database, as digests (see stored-records.ts). */
  storedRecords: (name: string) => attempt(() => storedRecords(name)),
  /** Reads or writes one record of the library's IndexedDB store directly, as another release would. */
  readRecord: (key: IDBValidKey) => attempt(() => readRecord(key)),
  writeRecord: (key: IDBValidKey, value: unknown) => attempt(() => writeRecord(key, value)),
  /** Where database `name` has left traces: its OPFS directory, and its saved image in IndexedDB (chunks counted). */
  storageTraces: (name: string) =>
    attempt(async () => {
      let opfs = false
      try {
        const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('.sqlite-opfs-migrate')
        await root.getDirectoryHandle(name)
        opfs = true
      } catch {
        /* no directory (or no OPFS at all) */
      }
      // Opening a database that does not exist would create it without the library's store: look first.
      const exists = (await indexedDB.databases()).some((d) => d.name === 'sqlite-opfs-migrate')
      if (!exists) return { opfs, image: false, imageChunks: 0 }
      const idb = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('sqlite-opfs-migrate')
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      try {
        const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
          const request = idb.transaction('snapshots').objectStore('snapshots').getAllKeys()
          request.onsuccess = () => resolve(request.result)
          request.onerror = () => reject(request.error)
        })
        const mine = keys.filter((k) => Array.isArray(k) && k[0] === 'image' && k[1] === name)
        return {
          opfs,
          image: mine.some((k) => (k as unknown[]).length === 2),
          imageChunks: mine.filter((k) => (k as unknown[]).length === 3).length,
        }
      } finally {
        idb.close()
      }
    }),
  /**
   * Deletes chunk `index` of database `name`'s saved IndexedDB image (the database closed), as lost data would; returns
   * the size and sha-256 of what is left: the remaining chunks, in order.
   */
  damageImage: (name: string, index: number) =>
    attempt(async () => {
      const idb = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('sqlite-opfs-migrate')
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      try {
        const objects = idb.transaction('snapshots', 'readwrite').objectStore('snapshots')
        const range = IDBKeyRange.bound(['image', name, 0], ['image', name, Infinity])
        const done = <T>(request: IDBRequest<T>) =>
          new Promise<T>(
            (resolve, reject) => ((request.onsuccess = () => resolve(request.result)), (request.onerror = () => reject(request.error))),
          )
        await done(objects.delete(['image', name, index]))
        const left = (await done(objects.getAll(range))) as Uint8Array[]
        return blobSha256(new Blob(left as BlobPart[]))
      } finally {
        idb.close()
      }
    }),
  /**
   * Holds a read-write transaction on the library's IndexedDB store (kept alive request after request) until
   * `releaseSnapshotStore()`: every owner call that reads or writes snapshots (status, snapshot, migrate, import…)
   * then waits, deterministically, for as long as the test wants. Resolves once the transaction is active.
   */
  holdSnapshotStore: () =>
    attempt(
      () =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.open('sqlite-opfs-migrate')
          request.onerror = () => reject(request.error)
          request.onsuccess = () => {
            const idb = request.result
            idb.onversionchange = () => idb.close()
            const store = idb.transaction('snapshots', 'readwrite').objectStore('snapshots')
            let first = true
            const spin = (): void => {
              store.get('no such key').onsuccess = () => {
                if (first) resolve()
                first = false
                if (storeHeld) spin()
                else idb.close()
              }
            }
            storeHeld = true
            spin()
          }
        }),
    ),
  /** What `watchOwnerLock` saw: the tabs that took the owner lock, and at each failure whether it still held it. */
  ownerLockWatch: { openings: [] as string[], heldAtFailure: [] as boolean[] },
  /**
   * Joins database `name`'s tabs as a silent observer (its tab lock, knowing version 0): records each tab that takes the
   * owner lock (`opening`) and, when one announces a failed open, whether that tab still holds the lock; then takes
   * the failure like a tab would (`failed-ack`). Messages are handled one after the other.
   */
  async watchOwnerLock(name: string) {
    const lock = `sqlite-opfs-migrate:${name}`
    await new Promise<void>((granted) => void navigator.locks.request(`${lock}:tab:0:observer`, () => (granted(), new Promise(() => {}))))
    const holder = async () => (await navigator.locks.query()).held?.find((l) => l.name === lock)?.clientId
    const channel = new BroadcastChannel(lock)
    let opener: string | undefined
    let queue = Promise.resolve()
    channel.onmessage = ({ data }: MessageEvent<{ type: string; from: string }>) => {
      queue = queue.then(async () => {
        if (data.type === 'opening') {
          harness.ownerLockWatch.openings.push(data.from)
          opener = await holder()
        } else if (data.type === 'failed') {
          const current = await holder()
          harness.ownerLockWatch.heldAtFailure.push(current !== undefined && current === opener)
          channel.postMessage({ type: 'failed-ack', from: 'observer', to: data.from })
        }
      })
    }
  },
  releaseSnapshotStore() {
    storeHeld = false
  },
  terminate(name: string) {
    workers.get(name)?.terminate()
  },
  /** Terminates the worker that database `name` runs in now, `ms` from now (the fuzz's random moment). */
  killAfter(name: string, ms: number) {
    const worker = workers.get(name)
    setTimeout(() => worker?.terminate(), ms)
  },
  /**
   * How errors cross the app's own Comlink worker both ways (worker → page, and page → worker from a callback), and
   * whether Comlink's global `throw` handler is still the one it had when this page loaded.
   */
  async appComlink() {
    appWorker ??= wrap<AppWorker>(new Worker(new URL('./app-comlink.worker.ts', import.meta.url), { type: 'module' }))
    const toPage = await appWorker.fail().then(
      () => null,
      (e: unknown) => shapeOf(e),
    )
    const toWorker = await appWorker.shapeFromPage(
      proxy(() => {
        throw Object.assign(new Error('the page failed'), { name: 'PageError', code: 'PAGE_FAILED' })
      }),
    )
    return { toPage, toWorker, sameThrowHandler: transferHandlers.get('throw') === initialThrowHandler }
  },
  /** Whether the worker behind database `name` still has the browser's own `terminate` (nothing patched it). */
  workerUntouched(name: string) {
    const worker = workers.get(name)!
    return Object.getOwnPropertyNames(worker).length === 0 && worker.terminate === Worker.prototype.terminate
  },
  /**
   * The exported file as base64 plus its sha-256, for comparisons (fixtures.ts's `h.exportFile` decodes it). Not an
   * array of numbers: Playwright serializes those one by one, 10-13 s for a 2 MB file on a loaded 2-core machine.
   */
  exportFile: (name: string) =>
    attempt(async () => {
      const blob = await harness.handle(name).exportDatabase()
      const bytes = new Uint8Array(await blob.arrayBuffer())
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
      return { type: blob.type, base64: base64Of(bytes), sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') }
    }),
}

function base64Of(bytes: Uint8Array): string {
  let binary = ''
  // In slices: spreading megabytes into one String.fromCharCode call overflows the stack.
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000))
  return btoa(binary)
}

async function blobSha256(blob: Blob): Promise<{ bytes: number; sha256: string }> {
  const bytes = new Uint8Array(await blob.arrayBuffer())
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return { bytes: bytes.byteLength, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') }
}

declare global {
  interface Window {
    harness: typeof harness
  }
}
window.harness = harness
document.body.dataset.ready = 'true'
