import type { OpenResult } from '../../shared/types'

/**
 * A tab's `open()` waiting for the database to be usable: opened by this tab, or by the owner tab, which then says it
 * is ready. Bounded by `ownerTimeoutMs` while it waits for another tab only: once this tab opens the database itself,
 * its own open (maybe a long upgrade) has no time limit.
 *
 * @example
 * const join = new JoinWait()
 * const opened = join.wait(3000, () => join.settle(new DatabaseLockedError('…', 'app.db')))
 * join.settle(null, result) // when the owner is ready; join.settle(error) when it cannot be used
 */
export class JoinWait {
  #settle: { resolve: (opened: OpenResult) => void; reject: (error: unknown) => void } | null = null
  #timer: ReturnType<typeof setTimeout> | undefined

  /** Whether `open()` still waits. */
  get waiting(): boolean {
    return this.#settle !== null
  }

  /** Waits until `settle`; calls `timedOut` (which settles it) after `timeoutMs`, unless `stopTimer` ran first. */
  async wait(timeoutMs: number, timedOut: () => void): Promise<OpenResult> {
    const joined = new Promise<OpenResult>((resolve, reject) => (this.#settle = { resolve, reject }))
    this.#timer = setTimeout(timedOut, timeoutMs)
    try {
      return await joined
    } finally {
      this.stopTimer()
    }
  }

  /** This tab opens the database itself: no time limit from now. */
  stopTimer(): void {
    clearTimeout(this.#timer)
  }

  /** Ends the wait with `error`, or with `opened` (a no-op when it is not waiting). */
  settle(error: unknown, opened?: OpenResult): void {
    const settle = this.#settle
    if (!settle) return
    this.#settle = null
    if (error) settle.reject(error)
    else settle.resolve(opened!)
  }
}
