/** A call waiting to run on the owner's connection. */
interface Job {
  caller: string
  run: () => unknown
  onStart?: () => void
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/** Why a queued call of another tab was not run: the owner is stopping (the caller sends it to the next owner). */
export class CallDropped extends Error {
  constructor() {
    super('the owner stopped before running this call')
    this.name = 'CallDropped'
  }
}

/**
 * Runs the owner's calls one at a time, for every tab, in arrival order, except that a tab that leaves a transaction
 * open (`exec('BEGIN')`) has the connection to itself until it commits or rolls back: calls of other tabs wait, so
 * their statements never land inside its transaction. One connection serves all tabs, so this is the only isolation
 * there is.
 *
 * @example
 * const scheduler = new CallScheduler(() => !sqlite3.capi.sqlite3_get_autocommit(db.pointer))
 * await scheduler.submit('tab-a', () => host.exec('BEGIN'))
 * void scheduler.submit('tab-b', () => host.query('SELECT 1')) // waits for tab-a's COMMIT or ROLLBACK
 */
export class CallScheduler {
  #queue: Job[] = []
  #running = false
  #holder: string | null = null
  #idle: (() => void)[] = []
  /** Set by `stop()`: whose calls still run, and how a transaction of another tab is ended. */
  #stopping: { keep: string; rollback: () => void } | null = null

  constructor(
    readonly inTransaction: () => boolean,
    /** Told when a tab starts or stops holding a transaction open between calls. */
    readonly onHolderChange: (holder: string | null) => void = () => {},
  ) {}

  /** The tab whose open transaction the others are waiting for, if any. */
  get holder(): string | null {
    return this.#holder
  }

  /** Queues a call of `caller`; `onStart` runs just before it does. */
  submit<T>(caller: string, run: () => T | Promise<T>, onStart?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#stopping && caller !== this.#stopping.keep) return reject(new CallDropped())
      this.#queue.push({ caller, run, onStart, resolve: resolve as (value: unknown) => void, reject })
      this.#pump()
    })
  }

  /**
   * Stops serving other tabs, so that stopping takes as long as the running call at most, plus `keep`'s own queued
   * calls, whatever the queue holds: the other tabs' queued calls are dropped (they reject with `CallDropped`, to be
   * sent to the next owner), a transaction another tab holds, now or once the running call ends, is rolled back at
   * once (`rollback`), and `keep`'s calls run to the end. Resolves once nothing runs or waits.
   */
  stop(keep: string, rollback: () => void): Promise<void> {
    this.#stopping = { keep, rollback }
    const dropped = this.#queue.filter((job) => job.caller !== keep)
    this.#queue = this.#queue.filter((job) => job.caller === keep)
    for (const job of dropped) job.reject(new CallDropped())
    this.#pump()
    return this.idle()
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /**
   * Ends the transaction a gone tab left open: `rollback` runs as soon as nothing else runs, then the other tabs go on.
   */
  releaseHolder(caller: string, rollback: () => void): void {
    if (this.#holder !== caller) return
    this.#queue.unshift({
      caller,
      run: rollback,
      resolve: () => {},
      reject: () => {},
    })
    this.#pump()
  }

  #pump(): void {
    if (this.#running) return
    if (this.#stopping && this.#holder !== null && this.#holder !== this.#stopping.keep) {
      // Its further calls would be dropped: waiting for its COMMIT would wait forever.
      this.#holder = null
      try {
        this.#stopping.rollback()
      } catch {
        // The owner closes the connection once stopped, which rolls the transaction back too. Thrown on, it would skip
        // that close (the lock let go of with the OPFS handles still open) or leave `idle()` pending for good.
      } finally {
        this.onHolderChange(null)
      }
    }
    const index = this.#holder === null ? 0 : this.#queue.findIndex((job) => job.caller === this.#holder)
    const job = index < 0 ? undefined : this.#queue.splice(index, 1)[0]
    if (!job) {
      this.#settleIdle()
      return
    }
    this.#running = true
    void (async () => {
      try {
        job.onStart?.()
        job.resolve(await job.run())
      } catch (error) {
        job.reject(error)
      } finally {
        this.#running = false
        const holder = this.inTransaction() ? job.caller : null
        if (holder !== this.#holder) {
          this.#holder = holder
          this.onHolderChange(holder)
        }
        this.#pump()
      }
    })()
  }

  #settleIdle(): void {
    if (this.#running || this.#queue.length > 0) return
    for (const resolve of this.#idle.splice(0)) resolve()
  }
}
