import { deserializeError } from '../../shared/error-transfer'
import { DatabaseClosedError, DatabaseLockedError } from '../../shared/errors'
import { type MethodArgs, rulesOf } from '../../shared/worker-protocol'
import type { RemoteMethod, TabMessage } from './tab-channel'
import type { CallAnswer } from './tab-transaction'

interface Pending {
  method: RemoteMethod
  args: MethodArgs<RemoteMethod>
  resolve: (answer: CallAnswer) => void
  reject: (error: unknown) => void
  /** The owner it was sent to, or `null` while it waits for one. */
  sentTo: string | null
  /** The owner started running it. */
  accepted: boolean
  /** Rejects it if no owner takes it in time. */
  timer: ReturnType<typeof setTimeout> | null
}

/** Options of `OwnerLink`. */
export interface OwnerLinkOptions {
  tabId: string
  post: (message: TabMessage) => void
  /** How long a call waits while no tab owns the database. */
  waitMs: number
  database: string
  /** The session in which this tab holds a transaction (see `TabTransaction`): sent with each call, when it is sent. */
  expected?: () => string | null
}

/**
 * A follower tab's calls to the owner tab. A call is sent only to an owner that is ready; it waits (up to
 * `waitMs`) while there is none, e.g. during a failover. When an owner goes away, calls it never started are sent to
 * the next owner, so they run exactly once; a call it had started but not answered rejects with `OUTCOME_UNKNOWN`
 * (its changes may or may not have been committed), except read-only calls, which simply run again.
 *
 * @example
 * const link = new OwnerLink({ tabId, post: (m) => channel.post(m), waitMs: 60_000, database: 'app.db' })
 * link.ownerReady(ownerId)
 * const answer = await link.call('query', ['SELECT 1']) // { ok: true, value: [{ 1: 1 }], tx: null }
 */
export class OwnerLink {
  #next = 1
  #calls = new Map<number, Pending>()
  #owner: string | null = null

  readonly tabId: string
  readonly post: (message: TabMessage) => void
  readonly waitMs: number
  readonly database: string
  readonly #expected: () => string | null

  constructor(options: OwnerLinkOptions) {
    this.tabId = options.tabId
    this.post = options.post
    this.waitMs = options.waitMs
    this.database = options.database
    this.#expected = options.expected ?? (() => null)
  }

  /** The ready owner calls go to, or `null`. */
  get owner(): string | null {
    return this.#owner
  }

  /** Sends a call to the owner; resolves with its answer (a refusal or SQL error included), rejects if no owner answers. */
  call<M extends RemoteMethod>(method: M, args: MethodArgs<M>): Promise<CallAnswer> {
    return new Promise((resolve, reject) => {
      const id = this.#next++
      const pending: Pending = { method, args, resolve, reject, sentTo: null, accepted: false, timer: null }
      this.#calls.set(id, pending)
      this.#dispatch(id, pending)
    })
  }

  /** An owner is ready: everything waiting goes to it. */
  ownerReady(owner: string): void {
    if (this.#owner !== null && this.#owner !== owner) this.ownerLost(this.#owner)
    this.#owner = owner
    for (const [id, pending] of this.#calls) if (pending.sentTo === null) this.#dispatch(id, pending)
  }

  /** The owner stopped (closed, crashed, handed over): its unanswered calls wait for the next one, or reject. */
  ownerLost(owner: string): void {
    if (this.#owner === owner) this.#owner = null
    for (const [id, pending] of this.#calls) {
      if (pending.sentTo !== owner) continue
      // Only a call that reads (`METHODS`' `readOnly`) is safe to run again at the next owner.
      if (pending.accepted && !rulesOf(pending.method).readOnly) {
        this.#settle(id)?.reject(
          new DatabaseClosedError(
            'OUTCOME_UNKNOWN',
            `the tab that owned ${this.database} stopped while running ${pending.method}() for this tab; it may or may not have been applied`,
          ),
        )
        continue
      }
      pending.sentTo = null
      pending.accepted = false
      this.#dispatch(id, pending)
    }
  }

  /** This tab became the owner: the calls waiting for one run here, through `run`, in the order they were made. */
  runWaiting(run: (method: RemoteMethod, args: MethodArgs<RemoteMethod>) => Promise<CallAnswer>): void {
    this.#owner = null
    for (const [id, pending] of this.#calls) {
      if (pending.sentTo !== null) continue
      this.#settle(id)
      run(pending.method, pending.args).then(pending.resolve, pending.reject)
    }
  }

  /** Handles the owner's answers addressed to this tab. */
  receive(message: TabMessage): void {
    if (message.type !== 'accepted' && message.type !== 'result' && message.type !== 'redirect') return
    const pending = this.#calls.get(message.id)
    if (!pending || pending.sentTo !== message.from) return
    if (message.type === 'accepted') pending.accepted = true
    else if (message.type === 'redirect') {
      pending.sentTo = null
      if (this.#owner === message.from) this.#owner = null
      this.#dispatch(message.id, pending)
    } else {
      const tx = 'tx' in message ? { tx: message.tx } : {}
      this.#settle(message.id)?.resolve(
        message.ok ? { ok: true, value: message.value, ...tx } : { ok: false, error: deserializeError(message.error), ...tx },
      )
    }
  }

  /** Rejects every call (the tab is closing, or the database became unusable for it). */
  rejectAll(error: unknown): void {
    for (const id of [...this.#calls.keys()]) this.#settle(id)?.reject(error)
    this.#owner = null
  }

  #dispatch(id: number, pending: Pending): void {
    if (this.#owner === null) {
      pending.timer ??= setTimeout(
        () =>
          this.#settle(id)?.reject(
            new DatabaseLockedError(
              `no tab took over ${this.database} within ${this.waitMs} ms; ${pending.method}() did not run`,
              this.database,
            ),
          ),
        this.waitMs,
      )
      return
    }
    if (pending.timer !== null) clearTimeout(pending.timer)
    pending.timer = null
    pending.sentTo = this.#owner
    this.post({ type: 'call', from: this.tabId, to: this.#owner, id, method: pending.method, args: pending.args, tx: this.#expected() })
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#calls.get(id)
    if (!pending) return undefined
    this.#calls.delete(id)
    if (pending.timer !== null) clearTimeout(pending.timer)
    return pending
  }
}
