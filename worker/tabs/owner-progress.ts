import type { ProgressEvent } from '../../shared/types'
import type { TabChannel } from './tab-channel'

/** What `OwnerProgress` reports to. */
export interface OwnerProgressOptions {
  tabId: string
  channel: TabChannel
  /** This tab's own page. */
  deliver: (event: ProgressEvent) => void
  /** Whether this tab's open as owner is running (its events are then kept for tabs that join). */
  opening: () => boolean
}

/**
 * The progress events of this tab's work as owner, told to its own page and, numbered from 1 at the start of each open,
 * to every other tab (whose `ProgressRelay` puts them in order). The events of an open still running are kept, so a
 * tab that joins while it runs is given the ones it missed.
 *
 * @example
 * const progress = new OwnerProgress({ tabId, channel, deliver: events.progress, opening: () => role === 'opening' })
 * progress.restart() // an open begins
 * await openHost(request, app, (event) => progress.emit(event))
 */
export class OwnerProgress {
  #events: { seq: number; event: ProgressEvent }[] = []
  #seq = 0

  constructor(readonly options: OwnerProgressOptions) {}

  /** An open as owner begins: its events are numbered afresh. */
  restart(): void {
    this.#events = []
    this.#seq = 0
  }

  /** Reports one event to this tab's page and to the other tabs. */
  emit(event: ProgressEvent): void {
    const { tabId, channel, deliver, opening } = this.options
    const seq = ++this.#seq
    if (opening()) this.#events.push({ seq, event })
    deliver(event)
    channel.post({ type: 'progress', from: tabId, seq, event })
  }

  /** Gives tab `to`, which joined during the open, the events it missed. */
  replay(to: string): void {
    const { tabId, channel } = this.options
    for (const { seq, event } of this.#events) channel.post({ type: 'progress', from: tabId, to, seq, event })
  }
}
