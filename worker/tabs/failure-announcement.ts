import { serializeError } from '../../shared/error-transfer'
import type { TabChannel } from './tab-channel'
import { connectedTabs } from './tab-locks'

/** How long a failed owner waits for the waiting tabs to take its error before it lets go of the lock. */
const FAILURE_ACK_MS = 1000

/**
 * A failed open, told to the other tabs while this tab still holds the owner lock: tabs with the same code take the
 * error as theirs and leave the lock's queue (`failed-ack`), so that none of them is granted the lock and runs the same
 * failing upgrade again. Only then does the failed owner let go.
 *
 * @example
 * const failure = new FailureAnnouncement(channel, tabId, 'app.db')
 * try { await failure.announce(knows, error) } finally { releaseOwnerLock() }
 */
export class FailureAnnouncement {
  #acks = new Set<string>()
  #onAck: (() => void) | null = null

  constructor(
    readonly channel: TabChannel,
    readonly tabId: string,
    readonly database: string,
  ) {}

  /** Posts the failure; resolves once every other connected tab took it, or after `FAILURE_ACK_MS`. */
  async announce(knows: number, error: unknown): Promise<void> {
    const others = (await connectedTabs(this.database).catch(() => [])).filter((t) => t.tabId !== this.tabId)
    if (others.length === 0) return
    this.#acks.clear()
    let timer: ReturnType<typeof setTimeout> | undefined
    const acked = new Promise<void>((resolve) => {
      this.#onAck = () => others.every((t) => this.#acks.has(t.tabId)) && resolve()
      timer = setTimeout(resolve, FAILURE_ACK_MS)
    })
    this.channel.post({ type: 'failed', from: this.tabId, knows, error: serializeError(error) })
    await acked
    clearTimeout(timer)
    this.#onAck = null
  }

  /** Tab `from` took the failure (a `failed-ack`). */
  acked(from: string): void {
    this.#acks.add(from)
    this.#onAck?.()
  }
}
