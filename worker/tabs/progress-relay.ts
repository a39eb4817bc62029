import type { ProgressEvent } from '../../shared/types'

/**
 * Passes the owner tab's progress events on to this tab's page, in the owner's order and once each. A tab that joins
 * while the owner is opening hears live events and a replay of the earlier ones, in either order: while `holding`,
 * an event waits until every event before it was passed on; `flush()` passes on whatever is left (the tab joined).
 *
 * @example
 * const relay = new ProgressRelay((event) => onProgress(event))
 * relay.receive('owner-tab', 3, event, true) // held until 1 and 2 arrive, or until relay.flush()
 */
export class ProgressRelay {
  #from = ''
  #delivered = 0
  #held = new Map<number, ProgressEvent>()

  constructor(readonly deliver: (event: ProgressEvent) => void) {}

  /** Event number `seq` of the owner `from` (numbered from 1 at the start of its open). */
  receive(from: string, seq: number, event: ProgressEvent, holding: boolean): void {
    if (from !== this.#from) {
      // Another owner (after a failover) numbers its events afresh.
      this.#from = from
      this.#delivered = 0
      this.#held.clear()
    }
    if (seq <= this.#delivered) return
    this.#held.set(seq, event)
    this.#pass(!holding)
  }

  /** Passes on every held event, in order. */
  flush(): void {
    this.#pass(true)
  }

  #pass(all: boolean): void {
    for (const seq of [...this.#held.keys()].sort((a, b) => a - b)) {
      if (!all && seq !== this.#delivered + 1) return
      this.deliver(this.#held.get(seq)!)
      this.#held.delete(seq)
      this.#delivered = seq
    }
  }
}
