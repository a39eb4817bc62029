import { releaseProxy, type Remote, wrap } from 'comlink'

import { type CallResult, type Enveloped, unwrapResult } from '../shared/call-result'
import { DatabaseClosedError, InvalidOptionsError } from '../shared/errors'
import type { WorkerApi } from '../shared/worker-protocol'

/** How long a new worker may take to load its script and answer its first call. */
export const WORKER_START_TIMEOUT_MS = 60_000

/** The worker's API as the page calls it (typed from `METHODS`): every method resolves to a `CallResult`. */
export type RemoteApi = Remote<Enveloped<WorkerApi>>

/**
 * The page's end of one database worker. Every call goes through `call`, which rejects instead of hanging when the
 * worker dies: Comlink never settles a call whose worker is gone, so we race each call against "the worker is gone",
 * learnt from the worker's `error` event and from a Web Lock the worker holds while it lives (`attach`), which the
 * browser releases when the worker stops for any reason (a crash, an out-of-memory kill, or the app terminating it).
 * The app's Worker object is never modified.
 */
export class WorkerConnection {
  readonly remote: RemoteApi
  #gone: DatabaseClosedError | null = null
  #rejectors = new Set<(error: DatabaseClosedError) => void>()
  #watch = new AbortController()

  constructor(
    readonly worker: Worker,
    readonly database: string,
  ) {
    this.remote = wrap<Enveloped<WorkerApi>>(worker)
    worker.addEventListener('error', (event) => {
      event.preventDefault?.()
      this.#fail('WORKER_DIED', `the database worker of ${database} failed: ${event.message || 'script error (check the worker URL)'}`)
      // An uncaught error does not stop a worker: still running, it would keep the owner lock and the OPFS handles, and
      // the next open (in this tab or another) would follow it instead of owning (and recovering) the database.
      worker.terminate()
    })
    worker.addEventListener('messageerror', () => this.#fail('WORKER_DIED', `a message from the worker of ${database} could not be read`))
  }

  /**
   * Runs a call on the worker and unwraps its result (an error the worker threw is thrown here with its class and
   * fields); rejects with `DatabaseClosedError` if the worker is or becomes unavailable.
   */
  call<T>(run: (remote: RemoteApi) => Promise<CallResult<T>>): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone)
    return new Promise<T>((resolve, reject) => {
      this.#rejectors.add(reject)
      run(this.remote)
        .then((result) => resolve(unwrapResult(result)))
        .catch((error: unknown) => reject(notCloneable(error) ?? error))
        .finally(() => this.#rejectors.delete(reject))
    })
  }

  /**
   * Has the worker take the Web Lock `lockName` for as long as it lives, then watches it: from then on, a worker that
   * ends without `close()` (terminated by the app, crashed) rejects every call in flight with `WORKER_DIED`.
   */
  async attach(lockName: string): Promise<void> {
    // Until the worker holds the lock nothing tells a worker that is still loading from one the app terminated before
    // it ran (a Worker fires no event when terminated): that moment alone is bounded by a timer.
    const seconds = WORKER_START_TIMEOUT_MS / 1000
    const timer = setTimeout(() => {
      const why = 'its script did not load, or it was terminated before it ran'
      this.#fail('WORKER_DIED', `the database worker of ${this.database} did not start within ${seconds} s (${why})`)
    }, WORKER_START_TIMEOUT_MS)
    try {
      await this.call((remote) => remote.attach(lockName))
    } finally {
      clearTimeout(timer)
    }
    this.#watchLock(lockName)
  }

  /**
   * Starts watching the worker's Web Lock, held from `attach` until the worker ends: being granted it means the worker
   * let go without closing, i.e. it died or was terminated.
   */
  #watchLock(lockName: string): void {
    const signal = this.#watch.signal
    navigator.locks
      ?.request(lockName, { signal }, () => {
        // close() aborts the watch before the worker lets go, but a grant already on its way still arrives: the worker
        // released the lock because it was asked to close, not because it died.
        if (signal.aborted) return
        this.#fail('WORKER_DIED', `the database worker of ${this.database} stopped unexpectedly`)
      })
      .catch(() => {})
  }

  /** Runs `callback` once the connection is closed or its worker is gone. */
  onClose(callback: () => void): void {
    if (this.#gone) callback()
    else this.#watch.signal.addEventListener('abort', callback, { once: true })
  }

  /** Whether calls can still be made. */
  get open(): boolean {
    return this.#gone === null
  }

  /** Asks the worker to close the database, then terminates it. Calls after this reject with `DATABASE_CLOSED`. */
  async close(closeRemote: boolean): Promise<void> {
    if (this.#gone) {
      // Marked gone (an error event, a start that timed out, a message that could not be read) is not always stopped:
      // terminating again is harmless, and a worker left running would keep the database's lock and files.
      this.worker.terminate()
      return
    }
    this.#watch.abort()
    try {
      if (closeRemote) await this.call((remote) => remote.close())
    } finally {
      this.#fail('DATABASE_CLOSED', `database ${this.database} is closed`)
      this.remote[releaseProxy]()
      this.worker.terminate()
    }
  }

  #fail(code: DatabaseClosedError['code'], message: string): void {
    if (this.#gone) return
    this.#gone = new DatabaseClosedError(code, message)
    this.#watch.abort()
    for (const reject of this.#rejectors) reject(this.#gone)
    this.#rejectors.clear()
  }
}

/**
 * A value the browser cannot send to the worker (a function, a DOM node, a class instance with private state, passed
 * as a parameter) fails in `postMessage` with a `DataCloneError` before anything runs: say so with a typed error.
 */
function notCloneable(error: unknown): InvalidOptionsError | null {
  if (!(error instanceof DOMException) || error.name !== 'DataCloneError') return null
  return new InvalidOptionsError(`a value passed to the database cannot be sent to its worker (nothing ran): ${error.message}`, {
    cause: error,
  })
}
