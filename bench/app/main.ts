import { type DatabaseHandle, openDatabase, type ProgressEvent } from 'sqlite-opfs-migrate'

import { DB_NAME, fillSql } from './bench-schema'

/**
 * The bench page. Playwright calls `window.bench` to time the library (through its public API, from the page, as an
 * app sees it) and the raw counterpart (a plain worker, also timed from the page, so both include one message round
 * trip). Every timed function returns milliseconds.
 */
const libWorker = (upto: number) => new Worker(new URL('./lib.worker.ts', import.meta.url), { type: 'module', name: `upto=${upto}` })
const rawWorker = () => new Worker(new URL('./raw.worker.ts', import.meta.url), { type: 'module' })

let handle: DatabaseHandle | null = null
let raw: Worker | null = null
let nextId = 0
/** Progress events of the open library handle, with the page's clock. */
const progress: (ProgressEvent & { at: number })[] = []

function ask<T>(worker: Worker, op: string, arg?: string): Promise<T> {
  const id = nextId++
  return new Promise((resolve, reject) => {
    const onMessage = ({ data }: MessageEvent) => {
      if (data.id !== id) return
      worker.removeEventListener('message', onMessage)
      if (data.ok) resolve(data.value as T)
      else reject(new Error(`raw ${op}: ${data.error}`))
    }
    worker.addEventListener('message', onMessage)
    worker.addEventListener('error', (event) => reject(new Error(`raw worker failed: ${event.message}`)), { once: true })
    worker.postMessage({ id, op, arg })
  })
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now()
  const value = await run()
  return { ms: performance.now() - started, value }
}

const open = (upto: number, autoMigrate = true, verify?: false) =>
  openDatabase({
    name: DB_NAME,
    worker: () => libWorker(upto),
    autoMigrate,
    ...(verify === false ? { verify } : {}),
    onProgress: (event) => progress.push({ ...event, at: performance.now() }),
  })

const bench = {
  progress,
  /**
   * Library: `new Worker` → first query answered (`PRAGMA user_version`, or `sql`), on a database that is up to date;
   * then closed (untimed).
   */
  async libStartup(sql = 'PRAGMA user_version'): Promise<number> {
    const started = performance.now()
    const db = await open(1)
    await db.query(sql)
    const ms = performance.now() - started
    await db.close()
    return ms
  },
  /** Raw: `new Worker` → init + sahpool install + open + `PRAGMA user_version` (+ `sql`) answered; then closed (untimed). */
  async rawStartup(sql?: string): Promise<number> {
    const started = performance.now()
    const worker = rawWorker()
    await ask(worker, 'open', sql)
    const ms = performance.now() - started
    await ask(worker, 'close')
    worker.terminate()
    return ms
  },
  /** Opens the library's handle and keeps it (untimed). */
  async libOpen(upto: number, autoMigrate = true, verify?: false) {
    progress.length = 0
    handle = await open(upto, autoMigrate, verify)
    return handle.opened
  },
  async libClose() {
    await handle?.close()
    handle = null
  },
  /** Times one method of the open handle. */
  lib(method: 'snapshot' | 'restoreSnapshot' | 'deleteSnapshot' | 'migrate' | 'query' | 'exec' | 'snapshots', ...args: unknown[]) {
    return timed(() => (handle![method] as (...a: unknown[]) => Promise<unknown>)(...args))
  },
  async rawOpen() {
    raw = rawWorker()
    return ask<number>(raw, 'open')
  },
  async rawClose() {
    if (!raw) return
    await ask(raw, 'close')
    raw.terminate()
    raw = null
  },
  /** Times one operation of the open raw worker. */
  raw<T>(op: string, arg?: string) {
    return timed(() => ask<T>(raw!, op, arg))
  },
  /** Grows the open library database to at least `bytes` (untimed setup). */
  async fill(bytes: number): Promise<number> {
    const size = async () => {
      const [row] = await handle!.query<{ size: number }>('SELECT page_count * page_size AS size FROM pragma_page_count, pragma_page_size')
      return Number(row!.size)
    }
    let current = await size()
    while (current < bytes) {
      // ~230 bytes per item and ~70 per child: size the step to the bytes still missing, at most 200k items.
      const rows = Math.min(200_000, Math.max(2_000, Math.ceil((bytes - current) / 300)))
      await handle!.batch(fillSql(rows).map((sql) => ({ sql })))
      current = await size()
    }
    return current
  },
}

declare global {
  interface Window {
    bench: typeof bench
  }
}
window.bench = bench
document.body.dataset.ready = 'true'
