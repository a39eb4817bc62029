import { releaseProxy, wrap, type Remote } from 'comlink'
import { installErrorTransfer } from './error-transfer'
import { DatabaseClosedError } from './errors'
import type { WorkerApi } from './worker-api'

/**
 * The page's end of one database worker. Every call goes through `call`, which rejects instead of hanging when the
 * worker dies: Comlink never settles a call whose worker is gone, so we race each call against "the worker is gone",
 * learnt from the worker's `error` event, from `terminate()`, and from the database's Web Lock, which the browser
 * releases when the worker stops for any reason (a crash or out-of-memory kill included).
 */
export class WorkerConnection {
  readonly remote: Remote<WorkerApi>
  #gone: DatabaseClosedError | null = null
  #rejectors = new Set<(error: DatabaseClosedError) => void>()
  #watch = new AbortController()

  constructor(readonly worker: Worker, readonly database: string) {
    installErrorTransfer()
    this.remote = wrap<WorkerApi>(worker)
    worker.addEventListener('error', (event) => {
      event.preventDefault?.()
      this.#fail('WORKER_DIED', `the database worker of ${database} failed: ${event.message || 'script error (check the worker URL)'}`)
    })
    worker.addEventListener('messageerror', () => this.#fail('WORKER_DIED', `a message from the worker of ${database} could not be read`))
    const terminate = worker.terminate.bind(worker)
    worker.terminate = () => {
      terminate()
      this.#fail('WORKER_DIED', `the database worker of ${database} was terminated`)
    }
  }

  /** Runs a call on the worker; rejects with `DatabaseClosedError` if the worker is or becomes unavailable. */
  call<T>(run: (remote: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone)
    return new Promise<T>((resolve, reject) => {
      this.#rejectors.add(reject)
      run(this.remote)
        .then(resolve, reject)
        .finally(() => this.#rejectors.delete(reject))
    })
  }

  /**
   * Starts watching the database's Web Lock, held by the worker from a successful open until close: being granted it
   * means the worker let go without closing, i.e. it died.
   */
  watchLock(lockName: string): void {
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
    if (this.#gone) return
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
