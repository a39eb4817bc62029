import { type PreparedMigrations, prepareMigrations } from '../../core/runner/runner'
import { deserializeError } from '../../shared/error-transfer'
import { DatabaseClosedError, DatabaseLockedError, DatabaseTooNewError, InvalidOptionsError } from '../../shared/errors'
import type { DatabaseStatus, OpenRequest, OpenResult, ProgressEvent, VersionChangeEvent } from '../../shared/types'
import type { MethodArgs, MethodResult } from '../../shared/worker-protocol'
import { type AppMigrations, type DatabaseHost, openHost } from '../host/database-host'
import { FailureAnnouncement } from './failure-announcement'
import { failureToTake, type FollowingTab, readyDecision } from './follow-decision'
import { JoinWait } from './join-wait'
import { OwnerLink } from './owner-link'
import { OwnerLock } from './owner-lock'
import { OwnerProgress } from './owner-progress'
import type { OwnerRole } from './owner-role'
import { Ownership } from './ownership'
import { ProgressRelay } from './progress-relay'
import { type RemoteMethod, TabChannel, type TabMessage } from './tab-channel'
import { connectedTabs } from './tab-locks'
import { TabPresence } from './tab-presence'
import { type CallAnswer, TabTransaction } from './tab-transaction'

/** Where the page's calls go. */
export interface CoordinatorEvents {
  progress(event: ProgressEvent): void
  versionChange(event: VersionChangeEvent): void
}

/**
 * One tab's connection to a database shared by every tab of the origin. Exactly one tab's worker owns the OPFS file
 * (it holds the owner Web Lock) and runs every tab's calls; the others follow: they forward their page's calls over a
 * BroadcastChannel and queue on the owner lock, so that when the owner closes, crashes or hands over, the next tab
 * takes over, recovers the file if needed, and runs the calls that were waiting. A tab whose code knows newer
 * migrations asks the owner to hand over; tabs with older code are told (`versionchange`) and then refuse their calls
 * with `DatabaseTooNewError` once the database is newer than they know.
 *
 * @example
 * const { coordinator, opened } = await DatabaseCoordinator.open(request, { migrations }, { progress, versionChange })
 * const rows = await coordinator.call('query', ['SELECT 1'])
 */
export class DatabaseCoordinator {
  readonly knows: number
  readonly #channel: TabChannel
  readonly #link: OwnerLink
  /** This tab's tenure as owner, while it owns the database (or is stopping). */
  #ownership: Ownership | null = null
  #role: 'joining' | 'opening' | 'owner' | 'releasing' | 'follower' | 'closed' = 'joining'
  /** Set when the database became unusable for this tab (too new for its code, or a takeover that failed). */
  #broken: unknown = null
  #lockWait: AbortController | null = null
  /** The page's `open()`, while it waits. */
  readonly #joining = new JoinWait()
  readonly #failure: FailureAnnouncement
  #versionChangeSent = false
  /** Whether this tab opened the database once already (`restoreFrom` is for the first open only). */
  #openedOnce = false
  /** Progress of this tab's work as owner, to its page and the other tabs. */
  readonly #ownerProgress: OwnerProgress
  readonly #progress: ProgressRelay
  /** Where this tab's page holds a transaction open, if it does (see `tab-transaction.ts`). */
  readonly #tx = new TabTransaction()
  /** Counts this tab's ownerships, to name each one's session. */
  #sessions = 0

  readonly request: OpenRequest
  readonly app: AppMigrations
  readonly events: CoordinatorEvents
  /** This tab in the registry of connected tabs. */
  readonly presence: TabPresence
  /** This tab's migrations, checked and hashed: an owner's history is checked against them before following it. */
  readonly prepared: PreparedMigrations

  private constructor(parts: Pick<DatabaseCoordinator, 'request' | 'app' | 'events' | 'presence' | 'prepared'>) {
    const { request, app, events } = parts
    this.request = request
    this.app = app
    this.events = events
    this.presence = parts.presence
    this.prepared = parts.prepared
    this.knows = app.migrations.at(-1)?.version ?? 0
    this.#channel = new TabChannel(request.name, request.tabId, (message) => this.#receive(message))
    this.#progress = new ProgressRelay((event) => events.progress(event))
    this.#ownerProgress = new OwnerProgress({
      tabId: request.tabId,
      channel: this.#channel,
      deliver: (event) => events.progress(event),
      opening: () => this.#role === 'opening',
    })
    this.#failure = new FailureAnnouncement(this.#channel, request.tabId, request.name)
    this.#link = new OwnerLink({
      tabId: request.tabId,
      post: (message) => this.#channel.post(message),
      waitMs: request.ownerTimeoutMs,
      database: request.name,
      expected: () => this.#tx.expected,
    })
  }

  get tabId(): string {
    return this.request.tabId
  }

  /** Joins the database's tabs: owns it if no tab does, else follows the owner (waiting for its open to finish). */
  static async open(
    request: OpenRequest,
    app: AppMigrations,
    events: CoordinatorEvents,
  ): Promise<{ coordinator: DatabaseCoordinator; opened: OpenResult; tabLock: string }> {
    const knows = app.migrations.at(-1)?.version ?? 0
    const prepared = await prepareMigrations(app.migrations, app)
    const presence = await TabPresence.enter(request.name, knows, request.tabId)
    const coordinator = new DatabaseCoordinator({ request, app, events, presence, prepared })
    try {
      return { coordinator, opened: await coordinator.#join(), tabLock: presence.lockName }
    } catch (error) {
      coordinator.#shutdown()
      throw error
    }
  }

  /** Runs one of the page's calls: here when this tab owns the database, at the owner otherwise. */
  async call<M extends RemoteMethod>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
    if (this.#role === 'closed') throw new DatabaseClosedError('DATABASE_CLOSED', `database ${this.request.name} is closed`)
    if (this.#broken) throw this.#broken
    const owner = this.#role === 'owner' ? this.#ownership?.role : null
    const value = await this.#tx.track(method, args, () => (owner ? this.#runHere(owner, method, args) : this.#link.call(method, args)))
    // What the host answered, here or at the owner tab (over the channel, hence `unknown`); `status` lacks `tabs`.
    return (method === 'status' ? await this.#withTabs(value as Omit<DatabaseStatus, 'tabs'>) : value) as MethodResult<M>
  }

  /** Runs one of this page's calls on this tab's own ownership, expecting its transaction where it last was. */
  #runHere<M extends RemoteMethod>(owner: OwnerRole, method: M, args: MethodArgs<M>): Promise<CallAnswer> {
    return owner.run(this.tabId, method, args, { expect: this.#tx.expected })
  }

  /**
   * The page is being frozen (hidden and suspended by the browser): if this tab owns the database, hand it to the next
   * tab in line, so the others are not stuck behind a tab that may not run for a long time. This tab follows from now.
   */
  async suspend(): Promise<void> {
    await this.#handOver(null)
  }

  /**
   * Stops using the database; when this tab owns it, lets this page's queued calls finish, sends the other tabs' queued
   * calls to the next owner, and hands it over (see `OwnerRole.stop`).
   */
  async close(): Promise<void> {
    if (this.#role === 'closed') return
    const ownership = this.#role === 'owner' ? this.#ownership : null
    this.#role = 'closed'
    this.#lockWait?.abort()
    try {
      if (ownership) await this.#stopOwning(ownership)
    } finally {
      this.#shutdown() // the channel and the tab's locks go also when stopping failed
    }
  }

  async #join(): Promise<OpenResult> {
    const lock = await OwnerLock.take(this.request.name, { ifAvailable: true })
    if (lock) return this.#own(lock, null)
    const { name, ownerTimeoutMs } = this.request
    const joined = this.#joining.wait(ownerTimeoutMs, () => {
      const message = `another tab has ${name} and did not make it available within ${ownerTimeoutMs} ms`
      this.#settleJoin(new DatabaseLockedError(message, name))
    })
    this.#channel.post({ type: 'hello', from: this.tabId, knows: this.knows })
    this.#queueForOwnership()
    return joined
  }

  /** Waits in the browser's queue for the owner lock (see `OwnerLock.queue`), then takes over. */
  #queueForOwnership(): void {
    OwnerLock.queue({
      database: this.request.name,
      knows: this.knows,
      wanted: () => this.#role !== 'closed' && !this.#broken,
      onWait: (wait) => (this.#lockWait = wait),
      granted: (lock) => void this.#takeOver(lock),
    })
  }

  /** Owns the database after the owner before closed, crashed or handed over; a failure breaks this tab. */
  async #takeOver(lock: OwnerLock): Promise<void> {
    const previous = this.#link.owner
    try {
      const opened = await this.#own(lock, previous)
      this.#settleJoin(null, opened)
    } catch (error) {
      this.#fail(error)
    }
  }

  /** Becomes the owner: opens (recovering and upgrading as needed), then serves every tab. */
  async #own(lock: OwnerLock, previousOwner: string | null): Promise<OpenResult> {
    // From here this tab is no longer waiting for another one: its own open (maybe a long upgrade) has no timeout.
    this.#joining.stopTimer()
    this.#role = 'opening'
    this.#channel.post({ type: 'opening', from: this.tabId, knows: this.knows })
    if (previousOwner) this.#link.ownerLost(previousOwner)
    this.#ownerProgress.restart()
    const ownership = await Ownership.begin({
      lock,
      open: () => this.#open(),
      announceFailure: (error) => {
        if (!this.#isClosed()) this.#role = 'follower'
        if (error instanceof DatabaseTooNewError) this.#versionChange('database-newer', error.databaseVersion)
        return this.#failure.announce(this.knows, error)
      },
      channel: this.#channel,
      tabId: this.tabId,
      session: () => `${this.tabId}#${++this.#sessions}`,
      announce: () => this.#announce(null),
    })
    this.#ownership = ownership
    this.#openedOnce = true
    if (this.#isClosed()) {
      await this.#stopOwning(ownership)
      throw new DatabaseClosedError('DATABASE_CLOSED', `database ${this.request.name} is closed`)
    }
    this.#role = 'owner'
    this.#announce(ownership.opened)
    // Calls this tab's page made while no tab owned the database run here now.
    this.#link.runWaiting((method, args) => this.#runHere(ownership.role, method, args))
    void this.#handOverIfNewerTab()
    return ownership.opened
  }

  /** Opens the database in this worker, as the owner. */
  async #open(): Promise<{ host: DatabaseHost; result: OpenResult }> {
    // `restoreFrom` is for this tab's first open only: a later takeover must not restore again over newer writes.
    const request = this.#openedOnce ? { ...this.request, restoreFrom: null } : this.request
    if (request.restoreFrom && (await connectedTabs(this.request.name)).some((t) => t.tabId !== this.tabId))
      throw new InvalidOptionsError(`restoreFrom needs ${this.request.name} closed in every other tab; nothing was restored`)
    return openHost({ request, app: this.app, emit: (event) => this.#ownerProgress.emit(event) })
  }

  /** Tells the tabs (or tab `to`) that this one owns the database, at which version (see `Ownership.ready`). */
  #announce(fresh: OpenResult | null, to?: string): void {
    if (this.#role !== 'owner' || !this.#ownership) return
    this.#channel.post(this.#ownership.ready(this.knows, fresh, to))
  }

  async #handOverIfNewerTab(): Promise<void> {
    const tabs = (await connectedTabs(this.request.name)).filter((t) => !t.broken)
    const newest = Math.max(this.knows, ...tabs.map((t) => t.knows))
    if (newest > this.knows) await this.#handOver(newest)
  }

  /**
   * Lets go of the database and follows: finishes queued calls, closes the file, releases the lock, and queues again
   * behind the tabs already waiting. With `newVersion`, a tab with newer migrations asked for it: everyone is told.
   */
  async #handOver(newVersion: number | null): Promise<void> {
    const ownership = this.#ownership
    if (this.#role !== 'owner' || !ownership) return
    this.#role = 'releasing'
    if (newVersion !== null) {
      this.#versionChange('newer-tab', newVersion)
      this.#channel.post({ type: 'versionchange', from: this.tabId, newVersion, databaseVersion: ownership.fileVersion() })
    }
    try {
      await this.#stopOwning(ownership)
    } finally {
      // Also when stopping failed: the lock is let go of either way, so the tab follows and may own again.
      if (!this.#isClosed()) {
        this.#role = 'follower'
        this.#queueForOwnership()
      }
    }
  }

  /** Ends this tab's ownership (the file closed, then the lock let go of), and tells the other tabs it is free. */
  async #stopOwning(ownership: Ownership): Promise<void> {
    try {
      await ownership.end()
    } finally {
      this.#ownership = null
      this.#channel.post({ type: 'released', from: this.tabId })
    }
  }

  /** Handles another tab's message (an error it throws is reported by the channel, see `TabChannel`). */
  #receive(message: TabMessage): void {
    if (message.from === this.tabId) return
    switch (message.type) {
      case 'hello':
        // A tab that joins during our open waits for it like the others: give it the progress it missed.
        if (this.#role === 'opening') this.#ownerProgress.replay(message.from)
        if (this.#role === 'owner') {
          if (message.knows > this.knows) this.#handOver(message.knows).catch((error) => this.#channel.reportHandlerError(message, error))
          else this.#announce(null, message.from)
        }
        return
      case 'opening':
        // A new owner means the previous one is gone: what it had not started waits for the new one.
        if (this.#link.owner && this.#link.owner !== message.from) this.#link.ownerLost(this.#link.owner)
        return
      case 'ready':
        return this.#onReady(message)
      case 'failed':
        return this.#onFailed(message)
      case 'failed-ack':
        this.#failure.acked(message.from)
        return
      case 'progress':
        if (this.#role !== 'owner' && this.#role !== 'opening' && this.#role !== 'closed')
          this.#progress.receive(message.from, message.seq, message.event, this.#joining.waiting)
        return
      case 'call':
        if (this.#ownership) this.#ownership.role.serve(message)
        else this.#channel.post({ type: 'redirect', from: this.tabId, to: message.from, id: message.id })
        return
      case 'versionchange':
        if (message.newVersion > this.knows) this.#versionChange('newer-tab', message.newVersion)
        return
      case 'released':
        this.#link.ownerLost(message.from)
        return
      default:
        this.#link.receive(message)
    }
  }

  #onReady(message: Extract<TabMessage, { type: 'ready' }>): void {
    if (this.#role === 'closed' || this.#role === 'owner' || this.#role === 'opening') return
    const decision = readyDecision(message, this.#asFollower())
    if (decision.kind === 'wait') return
    if (decision.kind === 'refuse') {
      if (decision.tooNew) this.#versionChange('database-newer', message.version)
      return this.#fail(decision.error)
    }
    this.#link.ownerReady(message.from)
    if (this.#role === 'joining') this.#role = 'follower'
    const opened = message.to ? { ...message.opened, appliedNow: [], recoveredFrom: null } : message.opened
    this.#settleJoin(null, { ...opened, latestVersion: this.knows, servedBy: 'another-tab' })
  }

  /** Another tab's open failed (it still holds the lock): take its error if this tab would only fail the same way. */
  #onFailed(message: Extract<TabMessage, { type: 'failed' }>): void {
    const following = this.#role === 'follower' && !this.#broken
    const error = failureToTake(deserializeError(message.error), message.knows, { ...this.#asFollower(), following })
    if (error) {
      this.#lockWait?.abort()
      this.#fail(error)
    }
    this.#channel.post({ type: 'failed-ack', from: this.tabId, to: message.from })
  }

  #asFollower(): FollowingTab {
    const { name: database, acceptEditedMigrations: acceptEdited, restoreFrom } = this.request
    return { database, knows: this.knows, prepared: this.prepared, acceptEdited, restoreFrom, joining: this.#joining.waiting }
  }

  /** Ends the page's wait in `open()` (a no-op when it is not waiting). */
  #settleJoin(error: unknown, opened?: OpenResult): void {
    if (!this.#joining.waiting) return
    this.#progress.flush()
    if (error) this.#lockWait?.abort()
    this.#joining.settle(error, opened)
  }

  /** Fails the page's `open()` if it still waits; else the database is unusable from this tab from now (`#break`). */
  #fail(error: unknown): void {
    if (this.#joining.waiting) this.#settleJoin(error)
    else this.#break(error)
  }

  /** The database cannot be used from this tab any more: every call, waiting or future, fails with `error`. */
  #break(error: unknown): void {
    this.#broken = error
    this.#lockWait?.abort()
    this.#link.rejectAll(error)
    // This tab stays connected (its page gets `error`), but must not be waited for: a newer-code tab whose takeover
    // failed would otherwise have the older tabs defer to it forever.
    this.presence.markBroken(() => this.#role !== 'closed')
  }

  #versionChange(reason: VersionChangeEvent['reason'], newVersion: number): void {
    if (this.#versionChangeSent) return
    this.#versionChangeSent = true
    this.events.versionChange({ type: 'versionchange', reason, knownVersion: this.knows, newVersion })
  }

  async #withTabs(status: Omit<DatabaseStatus, 'tabs'>): Promise<DatabaseStatus> {
    const connected = (await connectedTabs(this.request.name)).length
    const isOwner = this.#role === 'owner'
    return { ...status, tabs: { ownerTab: isOwner ? this.tabId : (this.#link.owner ?? ''), thisTab: this.tabId, isOwner, connected } }
  }

  /** Whether `close()` ran (TypeScript cannot see that it may have while we awaited). */
  #isClosed(): boolean {
    return this.#role === 'closed'
  }

  #shutdown(): void {
    this.#role = 'closed'
    this.#lockWait?.abort()
    this.#link.rejectAll(new DatabaseClosedError('DATABASE_CLOSED', `database ${this.request.name} is closed`))
    this.#channel.close()
    this.presence.leave()
  }
}
