import type { StoredHistory } from '../../core/runner/history'
import type { SerializedError } from '../../shared/error-transfer'
import { tabChannelName } from '../../shared/stored-names'
import type { OpenResult, ProgressEvent } from '../../shared/types'
import type { MethodArgs, RemoteMethod } from '../../shared/worker-protocol'

/** The calls a follower tab forwards to the owner: `METHODS`' calls on the database. */
export type { RemoteMethod }

/**
 * What the workers of one database say to each other, over a BroadcastChannel named after it. Every tab's worker hears
 * every message and ignores those addressed to another (`to`). Tagged by `type`, one case per concern.
 */
export type TabMessage =
  /** A tab joined and asks who owns the database; `knows` is the latest migration version of its code. */
  | { type: 'hello'; from: string; knows: number }
  /** The sender holds the owner lock and is opening (or upgrading) the database. */
  | { type: 'opening'; from: string; knows: number }
  /**
   * The sender owns the database and serves calls. `opened` is what its own open did (for tabs that waited on it);
   * `history` is the file's version and history, which a tab checks against its own migrations before it follows.
   */
  | { type: 'ready'; from: string; to?: string; knows: number; version: number; opened: OpenResult; history?: StoredHistory }
  /** The sender's open failed with `error`; tabs that waited on it with the same code take it as theirs. */
  | { type: 'failed'; from: string; knows: number; error: SerializedError }
  /** A waiting tab took the failure as its own and left the owner queue, so the failed owner can let go. */
  | { type: 'failed-ack'; from: string; to: string }
  /** The owner's progress; `seq` counts its events, so a replay to a tab that joined late (`to`) is not seen twice. */
  | { type: 'progress'; from: string; to?: string; seq: number; event: ProgressEvent }
  /** `tx`: the ownership session in which the caller holds a transaction open (see `tab-transaction.ts`), or `null`. */
  | { type: 'call'; from: string; to: string; id: number; method: RemoteMethod; args: MethodArgs<RemoteMethod>; tx: string | null }
  /** The owner started running call `id` (from now on its outcome is decided by the owner's file). */
  | { type: 'accepted'; from: string; to: string; id: number }
  /** `tx`: where the caller holds a transaction after the call (`CallAnswer.tx`; absent: unchanged). */
  | { type: 'result'; from: string; to: string; id: number; ok: true; value: unknown; tx?: string | null }
  | { type: 'result'; from: string; to: string; id: number; ok: false; error: SerializedError; tx?: string | null }
  /** The owner is letting go and did not run call `id`: send it to the next owner. */
  | { type: 'redirect'; from: string; to: string; id: number }
  /** A tab whose code knows `newVersion` takes over; tabs that know less should tell their user to reload. */
  | { type: 'versionchange'; from: string; newVersion: number; databaseVersion: number }
  /** The sender stopped owning the database (closed or handed over) and released the owner lock. */
  | { type: 'released'; from: string }

/**
 * The BroadcastChannel of one database, from one tab's point of view. An error of the handler never escapes: thrown in
 * the BroadcastChannel's handler it would be an uncaught error of the worker, which the page takes for a dead worker
 * (`WORKER_DIED`) while the worker goes on holding the owner lock and the OPFS handles. It is reported on the console
 * (`reportHandlerError`) and the worker carries on.
 *
 * @example
 * const channel = new TabChannel('app.db', tabId, (message) => console.log(message.type))
 * channel.post({ type: 'hello', from: tabId, knows: 5 })
 */
export class TabChannel {
  readonly #channel: BroadcastChannel
  #closed = false

  constructor(
    readonly database: string,
    readonly tabId: string,
    onMessage: (message: TabMessage) => void,
  ) {
    this.#channel = new BroadcastChannel(tabChannelName(database))
    this.#channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data
      // Messages for another tab are none of our business.
      if ('to' in message && message.to !== undefined && message.to !== this.tabId) return
      try {
        onMessage(message)
      } catch (error) {
        this.reportHandlerError(message, error)
      }
    }
  }

  /** Reports an error of handling `message` (also one of work it started) on the console; the worker carries on. */
  reportHandlerError(message: TabMessage, error: unknown): void {
    console.error(
      `sqlite-opfs-migrate: tab ${this.tabId} could not handle a '${message.type}' message from tab ${message.from} about ${this.database}`,
      error,
    )
  }

  /** Posts to every other tab; a no-op once closed (a hand-over may finish after this tab closed). */
  post(message: TabMessage): void {
    if (!this.#closed) this.#channel.postMessage(message)
  }

  close(): void {
    this.#closed = true
    this.#channel.close()
  }
}
