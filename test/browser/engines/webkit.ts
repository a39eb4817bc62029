import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'

import type { Engine, EnginePage, enginePaths } from './engine'
import { descendantsOf, waitUntilGone } from './process-tree'

/**
 * WebKitGTK through Debian's WebKitWebDriver and a small WebDriver (classic, HTTP) client of our own. The browser is
 * webkit-launcher.py (see there why not MiniBrowser) on a fresh data directory per launch; OPFS and the Storage API are
 * off by default in WebKitGTK, so FEATURES turns them on. Without DISPLAY, an Xvfb of our own (it picks a free display).
 *
 * Pages are top-level windows of one session (so they share storage). WebDriver runs one command at a time on the
 * window it last switched to, so every command takes a lock and switches first; `evaluate` never holds the lock while
 * the page works: it starts `fn` and then polls with short `execute/async` calls, so a slow evaluate in one page does
 * not block the others (tabs that wait on each other work as with Playwright). One extra blank window is kept open and
 * never handed out, since closing a session's last window ends the session.
 */
const FEATURES = '+FileSystem,+AccessHandle,+StorageAPI,+StorageAPIEstimate,+FileSystemWritableStream'
/** How long one `execute/async` call waits for an evaluate to settle before it hands the lock to other pages. */
const POLL_MS = 50
const COMMAND_TIMEOUT_MS = 120_000

type Paths = ReturnType<typeof enginePaths>

export async function launchWebKit(baseURL: string, paths: Paths): Promise<Engine> {
  const profile = mkdtempSync(join(tmpdir(), 'webkit-engine-'))
  const children: ChildProcess[] = []
  const killAll = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  // If the test process exits without close(), its browser must not outlive it (see spawnTied for when it is killed).
  process.once('exit', killAll)
  // The browser's own processes (see process-tree.ts), looked up while the driver still runs (close() does so before
  // it ends the session): once their parents are gone they are no longer found under it.
  const browserProcesses = () => descendantsOf(children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])))
  const cleanup = async (known: readonly number[] = []) => {
    process.removeListener('exit', killAll)
    const browser = new Set([...known, ...browserProcesses()])
    for (const child of children.slice().reverse()) await stop(child)
    // Removing the profile while a WebKit process still writes its cache there fails (ENOTEMPTY): wait for them.
    await waitUntilGone([...browser])
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 })
  }
  try {
    let display = process.env.DISPLAY
    if (!display) {
      const xvfb = await startXvfb(paths)
      children.push(xvfb.process)
      display = xvfb.display
    }
    const port = await freePort()
    const driverLog: string[] = []
    const driver = spawnTied(paths, paths.webkitDriver, [`--port=${port}`, '--host=local'], {
      env: { ...process.env, DISPLAY: display, NO_AT_BRIDGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(driver)
    for (const stream of [driver.stdout, driver.stderr]) stream?.on('data', (chunk: Buffer) => keepTail(driverLog, chunk))
    const client = new WebDriverClient(`http://127.0.0.1:${port}`)
    await client.waitReady(driver, driverLog)
    const session = await client
      .newSession({
        'webkitgtk:browserOptions': {
          binary: paths.python,
          args: [paths.webkitLauncher, '--automation', `--data-dir=${profile}`, `--features=${FEATURES}`],
        },
        timeouts: { script: COMMAND_TIMEOUT_MS, pageLoad: COMMAND_TIMEOUT_MS, implicit: 0 },
      })
      .catch((error: Error) => {
        throw new Error(`${error.message}${driverLog.length ? `\n${driverLog.join('')}` : ''}`)
      })
    return new WebKitEngine(client, session, baseURL, { cleanup, browserProcesses })
  } catch (error) {
    await cleanup()
    throw error
  }
}

class WebKitEngine implements Engine {
  readonly name = 'webkit'
  readonly version: string
  private current: string
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private evaluations = 0

  constructor(
    private readonly client: WebDriverClient,
    private readonly session: Session,
    private readonly baseURL: string,
    private readonly processes: { cleanup: (known: readonly number[]) => Promise<void>; browserProcesses: () => number[] },
  ) {
    this.version = `${session.browserName} ${session.browserVersion}`
    this.current = session.firstWindow
  }

  /** Runs one step on `handle`'s window, after every step queued before it. */
  private onWindow<T>(handle: string, step: () => Promise<T>): Promise<T> {
    const run = async () => {
      if (this.closed) throw new Error('the webkit engine is closed')
      if (this.current !== handle) {
        await this.client.switchWindow(this.session.id, handle)
        this.current = handle
      }
      return step()
    }
    const result = this.queue.then(run, run)
    this.queue = result.catch(() => {})
    return result
  }

  async newPage(): Promise<EnginePage> {
    const handle = await this.onWindow(this.session.firstWindow, () => this.client.newWindow(this.session.id))
    const { client, session } = this
    let closed = false
    const open = () => (closed ? Promise.reject(new Error('the page is closed')) : Promise.resolve())
    const page: EnginePage = {
      evaluate: (fn, arg) => open().then(() => this.evaluate(handle, fn, arg)),
      goto: (path) => open().then(() => this.onWindow(handle, () => client.navigate(session.id, new URL(path, this.baseURL).href))),
      reload: () => open().then(() => this.onWindow(handle, () => client.refresh(session.id))),
      close: async () => {
        if (closed || this.closed) return
        closed = true
        await this.onWindow(handle, () => client.closeWindow(session.id))
        this.current = ''
      },
    }
    return page
  }

  private async evaluate<A, R>(handle: string, fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>> {
    const id = `e${++this.evaluations}`
    const start = `const __engineFn = (${fn.toString()});\n${EVALUATE_PRELUDE}\n${EVALUATE_START}\n${EVALUATE_POLL}`
    const poll = `${EVALUATE_PRELUDE}\n${EVALUATE_POLL}`
    // The argument crosses as JSON text, untouched by WebDriver's own argument conversion.
    const argJson = arg === undefined ? null : JSON.stringify(arg)
    let reply = await this.onWindow(handle, () => this.client.executeAsync<EvaluateReply>(this.session.id, start, [id, argJson, POLL_MS]))
    while ('pending' in reply)
      reply = await this.onWindow(handle, () => this.client.executeAsync<EvaluateReply>(this.session.id, poll, [id, null, POLL_MS]))
    if ('lost' in reply) throw new Error('evaluate: the page navigated, reloaded or closed before the function settled')
    if (!reply.ok) {
      const error = new Error(reply.message)
      error.name = reply.name
      if (reply.stack) error.stack = `${reply.name}: ${reply.message}\n${reply.stack}`
      throw error
    }
    // WebDriver turns an undefined property into null: only a string is a value.
    // BigInts (e.g. a lastInsertRowid) cross as { $bigint: '…' }, as Playwright and puppeteer carry them natively.
    const revive = (_key: string, value: unknown) =>
      value && typeof value === 'object' && typeof (value as { $bigint?: unknown }).$bigint === 'string'
        ? BigInt((value as { $bigint: string }).$bigint)
        : value
    return (typeof reply.json === 'string' ? JSON.parse(reply.json, revive) : undefined) as Awaited<R>
  }

  async close(): Promise<void> {
    if (this.closed) return
    // Let a step already running finish (not those merely queued: they fail as closed).
    this.closed = true
    await this.queue
    const known = this.processes.browserProcesses()
    try {
      await this.client.deleteSession(this.session.id)
    } finally {
      await this.processes.cleanup(known)
    }
  }
}

type EvaluateReply =
  { pending: true } | { lost: true } | { ok: true; json?: string | null } | { ok: false; name: string; message: string; stack?: string }

// The page side of evaluate (execute/async scripts; arguments: id, arg as JSON text, wait ms, done callback). The
// function's outcome is kept in window.__engineEvaluations until a poll collects it; values cross as JSON text
// (undefined stays undefined). Locals are prefixed so they cannot shadow page globals the function uses.
const EVALUATE_PRELUDE = `const [__engineId, __engineArg, __engineWaitMs] = arguments; const __engineDone = arguments[arguments.length - 1];
const __engineStore = (window.__engineEvaluations ??= {});`
const EVALUATE_START = `const __engineEntry = (__engineStore[__engineId] = { settled: false, waiters: [] });
new Promise((resolve) => resolve(__engineFn(__engineArg === null ? undefined : JSON.parse(__engineArg))))
  .then(
    (value) => ({ ok: true, json: value === undefined ? undefined : JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? { $bigint: String(v) } : v)) }),
    (error) => ({
      ok: false,
      name: String((error && error.name) || 'Error'),
      message: String(error && typeof error === 'object' && 'message' in error ? error.message : error),
      stack: error && typeof error.stack === 'string' ? error.stack : undefined,
    }),
  )
  .catch((error) => ({ ok: false, name: 'Error', message: 'evaluate: the result is not JSON: ' + String(error) }))
  .then((result) => {
    __engineEntry.settled = true
    __engineEntry.result = result
    for (const waiter of __engineEntry.waiters.splice(0)) waiter()
  })`
const EVALUATE_POLL = `{
  const entry = __engineStore[__engineId]
  if (!entry) __engineDone({ lost: true })
  else if (entry.settled) { delete __engineStore[__engineId]; __engineDone(entry.result) }
  else {
    const waiter = () => { clearTimeout(timer); delete __engineStore[__engineId]; __engineDone(entry.result) }
    const timer = setTimeout(() => { entry.waiters = entry.waiters.filter((w) => w !== waiter); __engineDone({ pending: true }) }, __engineWaitMs)
    entry.waiters.push(waiter)
  }
}`

interface Session {
  id: string
  browserName: string
  browserVersion: string
  firstWindow: string
}

/** WebDriver (classic) over HTTP: the few commands the engine needs. */
class WebDriverClient {
  constructor(private readonly base: string) {}

  async command<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, timeoutMs = COMMAND_TIMEOUT_MS): Promise<T> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await response.text()
    let payload: { value?: unknown }
    try {
      payload = JSON.parse(text) as { value?: unknown }
    } catch {
      throw new Error(`WebDriver ${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`)
    }
    const value = payload.value as { error?: string; message?: string } | null
    if (!response.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
      throw new Error(`WebDriver ${method} ${path}: ${value?.error ?? response.status}: ${value?.message ?? text.slice(0, 500)}`)
    }
    return payload.value as T
  }

  async waitReady(driver: ChildProcess, log: string[]): Promise<void> {
    const deadline = Date.now() + 15_000
    for (;;) {
      if (driver.exitCode !== null || driver.signalCode !== null)
        throw new Error(`WebKitWebDriver exited (${driver.exitCode ?? driver.signalCode}): ${log.join('')}`)
      try {
        const status = await this.command<{ ready?: boolean }>('GET', '/status', undefined, 2_000)
        if (status?.ready !== false) return
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`WebKitWebDriver did not answer in 15 s: ${log.join('')}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async newSession(capabilities: Record<string, unknown>): Promise<Session> {
    const value = await this.command<{ sessionId: string; capabilities: { browserName: string; browserVersion: string } }>(
      'POST',
      '/session',
      { capabilities: { alwaysMatch: capabilities } },
      60_000,
    )
    const firstWindow = await this.command<string>('GET', `/session/${value.sessionId}/window`)
    return {
      id: value.sessionId,
      firstWindow,
      browserName: value.capabilities.browserName,
      browserVersion: value.capabilities.browserVersion,
    }
  }

  async navigate(session: string, url: string): Promise<void> {
    await this.command('POST', `/session/${session}/url`, { url })
  }

  async refresh(session: string): Promise<void> {
    await this.command('POST', `/session/${session}/refresh`, {})
  }

  executeAsync<T>(session: string, script: string, args: unknown[]): Promise<T> {
    return this.command<T>('POST', `/session/${session}/execute/async`, { script, args })
  }

  async newWindow(session: string): Promise<string> {
    return (await this.command<{ handle: string }>('POST', `/session/${session}/window/new`, { type: 'window' })).handle
  }

  async switchWindow(session: string, handle: string): Promise<void> {
    await this.command('POST', `/session/${session}/window`, { handle })
  }

  async closeWindow(session: string): Promise<void> {
    await this.command('DELETE', `/session/${session}/window`)
  }

  async deleteSession(session: string): Promise<void> {
    await this.command('DELETE', `/session/${session}`, undefined, 20_000)
  }
}

/** Xvfb on a display it picks itself (-displayfd: no race with other servers). */
async function startXvfb(paths: Paths): Promise<{ process: ChildProcess; display: string }> {
  const child = spawnTied(paths, paths.xvfb, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  })
  const log: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => keepTail(log, chunk))
  const fd = child.stdio[3] as Readable
  try {
    const display = await new Promise<string>((resolve, reject) => {
      let text = ''
      const timer = setTimeout(() => reject(new Error(`Xvfb did not start in 15 s: ${log.join('')}`)), 15_000)
      fd.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        if (text.includes('\n')) {
          clearTimeout(timer)
          resolve(`:${text.trim()}`)
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`Xvfb exited (${code}): ${log.join('')}`))
      })
      child.once('error', reject)
    })
    return { process: child, display }
  } catch (error) {
    await stop(child)
    throw error
  }
}

/**
 * Spawns `binary` through a two-line python exec that sets PR_SET_PDEATHSIG (kept across exec): it gets SIGTERM when
 * this process dies, however it dies (a killed test worker leaves no Xvfb or WebKitWebDriver behind). The browser
 * (webkit-launcher.py) does the same with WebKitWebDriver as its parent.
 */
function spawnTied(paths: Paths, binary: string, args: string[], options: SpawnOptions): ChildProcess {
  const tie = 'import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGTERM); os.execv(sys.argv[1], sys.argv[1:])'
  return spawn(paths.python, ['-c', tie, binary, ...args], options)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

function keepTail(log: string[], chunk: Buffer): void {
  log.push(chunk.toString())
  if (log.length > 40) log.splice(0, log.length - 40)
}
