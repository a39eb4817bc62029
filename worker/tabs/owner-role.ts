import { readHistory, type StoredHistory } from '../../core/runner/history'
import { serializeError } from '../../shared/error-transfer'
import { type MethodArgs, rulesOf } from '../../shared/worker-protocol'
import type { DatabaseHost } from '../host/database-host'
import { CallDropped, CallScheduler } from './call-scheduler'
import type { RemoteMethod, TabChannel, TabMessage } from './tab-channel'
import { connectedTabs, whenTabGone } from './tab-locks'
import { type CallAnswer, lostTransactionAnswer } from './tab-transaction'

/**
 * What a tab does while it owns the database: runs its own page's calls and the other tabs' forwarded calls on the one
 * connection, through a `CallScheduler`, and tells the others whenever the version may have moved.
 *
 * @example
 * const owner = new OwnerRole({ host, channel, tabId, session: `${tabId}#1`, announce })
 * const answer = await owner.run(tabId, 'query', ['SELECT 1'], { expect: null }) // { ok: true, value: [...], tx: null }
 * await owner.stop() // finishes queued calls, rolls back a gone tab's transaction, closes the file
 */
export class OwnerRole {
  readonly scheduler: CallScheduler
  #accepting = true
  #holderWatch: AbortController | null = null

  readonly host: DatabaseHost
  readonly channel: TabChannel
  readonly tabId: string
  /** Names this ownership: a transaction held in it is lost when it ends (see `tab-transaction.ts`). */
  readonly session: string
  /** Tells every tab the current version (after a call that may have changed it). */
  readonly announce: () => void

  constructor(options: { host: DatabaseHost; channel: TabChannel; tabId: string; session: string; announce: () => void }) {
    const { host } = options
    this.host = host
    this.channel = options.channel
    this.tabId = options.tabId
    this.session = options.session
    this.announce = options.announce
    const capi = host.file.sqlite3.capi
    this.scheduler = new CallScheduler(
      // The connection, not one captured now: a restore or a failed save reopens it.
      () => host.file.isOpen && !capi.sqlite3_get_autocommit(host.file.db.pointer!),
      (holder) => this.#watchHolder(holder),
    )
  }

  /**
   * Runs a call of tab `caller` in its turn, and answers where that tab holds a transaction afterwards. `expect` is the
   * session in which the tab believes it holds one: another session's transaction was lost, so the call is refused.
   */
  async run<M extends RemoteMethod>(
    caller: string,
    method: M,
    args: MethodArgs<M>,
    options: { expect: string | null; onStart?: () => void },
  ): Promise<CallAnswer> {
    if (options.expect !== null && options.expect !== this.session) return lostTransactionAnswer(method, args, this.host.file.name)
    let tx: string | null | undefined
    try {
      const value = await this.scheduler.submit(
        caller,
        async () => {
          try {
            let result: unknown
            try {
              result = await this.host.call(method, args)
            } finally {
              // IndexedDB storage: what the call committed is saved before it answers (also when it failed after a
              // commit, e.g. a migrate() whose restore ran). A save that fails undoes the write and fails the call.
              await this.host.file.persist()
            }
            // The file's version may have moved (`METHODS`' `changesVersion`): the other tabs are told it again.
            if (rulesOf(method).changesVersion) this.announce()
            return result
          } finally {
            // Read before the next call runs: only the caller's own calls run while it holds a transaction.
            tx = this.scheduler.inTransaction() ? this.session : null
          }
        },
        options.onStart,
      )
      return { ok: true, value, tx }
    } catch (error) {
      return { ok: false, error, ...(tx === undefined ? {} : { tx }) }
    }
  }

  /** The file's version and history (sent to the tabs in `ready`), or `undefined` while the file is being replaced. */
  history(): StoredHistory | undefined {
    try {
      return readHistory(this.host.file.db)
    } catch {
      return undefined
    }
  }

  /** Serves a call another tab forwarded; one that arrives after `stop()` began is sent back unrun. */
  serve(message: Extract<TabMessage, { type: 'call' }>): void {
    const { from, id, method, args, tx } = message
    const reply = { from: this.tabId, to: from, id }
    if (!this.#accepting) {
      this.channel.post({ type: 'redirect', ...reply })
      return
    }
    void this.run(from, method, args, { expect: tx, onStart: () => this.channel.post({ type: 'accepted', ...reply }) }).then((answer) => {
      // Queued, not started, when this owner began to stop: the next owner runs it.
      if (!answer.ok && answer.error instanceof CallDropped) return this.channel.post({ type: 'redirect', ...reply })
      const held = answer.tx === undefined ? {} : { tx: answer.tx }
      if (answer.ok) this.channel.post({ type: 'result', ...reply, ok: true, value: answer.value, ...held })
      else this.channel.post({ type: 'result', ...reply, ok: false, error: serializeError(answer.error), ...held })
    })
  }

  /**
   * Stops owning, within the time the running call takes plus this tab's own queued calls: sends the other tabs' new
   * and queued calls back to them (they run at the next owner), rolls back a transaction another tab holds (that tab's
   * next call is refused with TRANSACTION_LOST), lets this tab's own queued calls finish, rolls back a transaction this
   * tab's page left open, then closes the file and its OPFS handles. The coordinator lets go of the owner lock after.
   */
  async stop(): Promise<void> {
    this.#accepting = false
    try {
      await this.scheduler.stop(this.tabId, () => this.#rollback())
      this.#holderWatch?.abort()
      try {
        this.#rollback()
      } catch {
        /* closing the connection below rolls it back too */
      }
      // A call that committed and then began a transaction (`exec('COMMIT; BEGIN')`) left its commit unsaved until now.
      await this.host.file.persist().catch(() => {})
    } finally {
      // Whatever failed above, the file and its OPFS handles close before the coordinator lets go of the lock.
      this.host.file.shutdown()
    }
  }

  /** A tab that holds a transaction open and then goes away must not keep the others waiting forever. */
  #watchHolder(holder: string | null): void {
    this.#holderWatch?.abort()
    this.#holderWatch = null
    if (holder === null || holder === this.tabId) return
    const watch = new AbortController()
    this.#holderWatch = watch
    void connectedTabs(this.host.file.name).then((tabs) => {
      if (watch.signal.aborted) return
      const tab = tabs.find((t) => t.tabId === holder)
      const rollback = () => this.scheduler.releaseHolder(holder, () => this.#rollback())
      if (!tab) rollback()
      else whenTabGone(this.host.file.name, tab, watch.signal, rollback)
    })
  }

  #rollback(): void {
    const { db, sqlite3 } = this.host.file
    if (this.host.file.isOpen && !sqlite3.capi.sqlite3_get_autocommit(db.pointer!)) db.exec('ROLLBACK')
  }
}
