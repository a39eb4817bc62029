import { type PreparedMigrations, prepareMigrations } from '../../core/runner/runner'
import { deserializeError } from '../../shared/error-transfer'
import { DatabaseClosedError, DatabaseLockedError, DatabaseTooNewError, InvalidOptionsError } from '../../shared/errors'
import { brokenLockName, tabLockName } from '../../shared/stored-names'
import type { DatabaseStatus, OpenRequest, OpenResult, ProgressEvent, VersionChangeEvent } from '../../shared/types'
import { type AppMigrations, openHost } from '../host/database-host'
import { FailureAnnouncement } from './failure-announcement'
import { failureToTake, type FollowingTab, readyDecision } from './follow-decision'
import { OwnerLink } from './owner-link'
import { OwnerLock } from './owner-lock'
import { OwnerRole } from './owner-role'
import { ProgressRelay } from './progress-relay'
import { type RemoteMethod, TabChannel, type TabMessage } from './tab-channel'
import { connectedTabs, holdLock, type Release, takeLock } from './tab-locks'
import { type CallAnswer, TabTransaction } from './tab-transaction'

/** Where the page's calls go. */
export interface CoordinatorEvents {
  progress(event: ProgressEvent): void
  versionChange(event: VersionChangeEvent): void
}

/** Pause before queueing again after deferring ownership to a tab with newer migrations. */
const DEFER_MS = 100

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
  #owner: OwnerRole | null = null
  /** The owner lock, while this tab owns the database (released by `#letGo` only). */
  #ownerLock: OwnerLock | null = null
  #role: 'joining' | 'opening' | 'owner' | 'releasing' | 'follower' | 'closed' = 'joining'
  /** Set when the database became unusable for this tab (too new for its code, or a takeover that failed). */
  #broken: unknown = null
  #lockWait: AbortController | null = null
  #joined: { resolve: (opened: OpenResult) => void; reject: (error: unknown) => void } | null = null
  /** Ends the wait for another tab (`ownerTimeoutMs`); cleared once this tab opens the database itself. */
  #joinTimer: ReturnType<typeof setTimeout> | undefined
  readonly #failure: FailureAnnouncement
  /** Lets go of the lock that marks this tab as one the database is unusable for (`brokenLockName`). */
  #releaseBroken: Release = () => {}
  #versionChangeSent = false
  #opened: OpenResult | null = null
  /** Progress of this tab's open as owner, replayed to tabs that join while it runs. */
  #openEvents: { seq: number; event: ProgressEvent }[] = []
  #seq = 0
  readonly #progress: ProgressRelay
  /** Where this tab's page holds a transaction open, if it does (see `tab-transaction.ts`). */
  readonly #tx = new TabTransaction()
  /** Counts this tab's ownerships, to name each one's session. */
  #sessions = 0
  /** The file's version when last read: what is told while the connection is closed (see `#fileVersion`). */
  #knownVersion = 0

  private constructor(
    readonly request: OpenRequest,
    readonly app: AppMigrations,
    readonly events: CoordinatorEvents,
    readonly releaseTab: Release,
    /** This tab's migrations, checked and hashed: an owner's history is checked against them before following it. */
    readonly prepared: PreparedMigrations,
  ) {
    this.knows = app.migrations.at(-1)?.version ?? 0
    this.#channel = new TabChannel(request.name, request.tabId, (message) => this.#receiveSafely(message))
    this.#progress = new ProgressRelay((event) => events.progress(event))
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
    const tabLock = tabLockName(request.name, knows, request.tabId)
    const releaseTab = (await takeLock(tabLock, { ifAvailable: true })) ?? (() => {})
    const coordinator = new DatabaseCoordinator(request, app, events, releaseTab, prepared)
    try {
      return { coordinator, opened: await coordinator.#join(), tabLock }
    } catch (error) {
      coordinator.#shutdown()
      throw error
    }
  }

  /** Runs one of the page's calls: here when this tab owns the database, at the owner otherwise. */
  async call(method: RemoteMethod, args: unknown[]): Promise<unknown> {
    if (this.#role === 'closed') throw new DatabaseClosedError('DATABASE_CLOSED', `database ${this.request.name} is closed`)
    if (this.#broken) throw this.#broken
    const owner = this.#role === 'owner' ? this.#owner : null
    const value = await this.#tx.track(method, args, () => (owner ? this.#runHere(owner, method, args) : this.#link.call(method, args)))
    return method === 'status' ? this.#withTabs(value as Omit<DatabaseStatus, 'tabs'>) : value
  }

  /** Runs one of this page's calls on this tab's own ownership, expecting its transaction where it last was. */
  #runHere(owner: OwnerRole, method: RemoteMethod, args: unknown[]): Promise<CallAnswer> {
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
    const owner = this.#role === 'owner' ? this.#owner : null
    this.#role = 'closed'
    this.#lockWait?.abort()
    if (owner) await this.#stopOwning(owner)
    this.#shutdown()
  }

  async #join(): Promise<OpenResult> {
    const lock = await OwnerLock.take(this.request.name, { ifAvailable: true })
    if (lock) return this.#own(lock, null)
    const joined = new Promise<OpenResult>((resolve, reject) => (this.#joined = { resolve, reject }))
    this.#joinTimer = setTimeout(
      () =>
        this.#settleJoin(
          new DatabaseLockedError(
            `another tab has ${this.request.name} and did not make it available within ${this.request.ownerTimeoutMs} ms`,
            this.request.name,
          ),
        ),
      this.request.ownerTimeoutMs,
    )
    this.#channel.post({ type: 'hello', from: this.tabId, knows: this.knows })
    this.#queueForOwnership()
    try {
      return await joined
    } finally {
      clearTimeout(this.#joinTimer)
    }
  }

  /** Waits in the browser's queue for the owner lock: granted when the owner closes, crashes or hands over. */
  #queueForOwnership(): void {
    const wait = new AbortController()
    this.#lockWait = wait
    OwnerLock.take(this.request.name, { signal: wait.signal }).then(
      async (lock) => {
        if (!lock) return
        if (this.#role === 'closed' || this.#broken || wait.signal.aborted) return void this.#letGo(lock)
        // A tab whose code knows newer migrations is waiting: let it have the database first (unless it cannot use it).
        if ((await connectedTabs(this.request.name)).some((tab) => tab.knows > this.knows && !tab.broken)) {
          void this.#letGo(lock)
          setTimeout(() => this.#role !== 'closed' && !this.#broken && this.#queueForOwnership(), DEFER_MS)
          return
        }
        const previous = this.#link.owner
        try {
          const opened = await this.#own(lock, previous)
          this.#settleJoin(null, opened)
        } catch (error) {
          if (this.#joined) this.#settleJoin(error)
          else this.#break(error)
        }
      },
      () => {},
    )
  }

  /** Becomes the owner: opens (recovering and upgrading as needed), then serves every tab. */
  async #own(lock: OwnerLock, previousOwner: string | null): Promise<OpenResult> {
    // From here this tab is no longer waiting for another one: its own open (maybe a long upgrade) has no timeout.
    clearTimeout(this.#joinTimer)
    this.#role = 'opening'
    this.#channel.post({ type: 'opening', from: this.tabId, knows: this.knows })
    if (previousOwner) this.#link.ownerLost(previousOwner)
    this.#openEvents = []
    this.#seq = 0
    const emit = (event: ProgressEvent): void => {
      const seq = ++this.#seq
      if (this.#role === 'opening') this.#openEvents.push({ seq, event })
      this.events.progress(event)
      this.#channel.post({ type: 'progress', from: this.tabId, seq, event })
    }
    let opened: Awaited<ReturnType<typeof openHost>>
    try {
      // `restoreFrom` is for this tab's first open only: a later takeover must not restore again over newer writes.
      const request = this.#opened ? { ...this.request, restoreFrom: null } : this.request
      if (request.restoreFrom && (await connectedTabs(this.request.name)).some((t) => t.tabId !== this.tabId))
        throw new InvalidOptionsError(`restoreFrom needs ${this.request.name} closed in every other tab; nothing was restored`)
      opened = await openHost(request, this.app, emit)
    } catch (error) {
      if (!this.#isClosed()) this.#role = 'follower'
      if (error instanceof DatabaseTooNewError) this.#versionChange('database-newer', error.databaseVersion)
      // A failed open closed the file but keeps the lock until the failure is announced and the waiting tabs with the
      // same code took it: released earlier, one of them would be granted the lock and run the same failing upgrade.
      await this.#letGo(lock, () => this.#failure.announce(this.knows, error))
      throw error
    }
    const session = `${this.tabId}#${++this.#sessions}`
    const owner = new OwnerRole({
      host: opened.host,
      channel: this.#channel,
      tabId: this.tabId,
      session,
      announce: () => this.#announce(null),
    })
    this.#owner = owner
    this.#ownerLock = lock
    this.#opened = opened.result
    this.#knownVersion = opened.result.version
    if (this.#isClosed()) {
      await this.#stopOwning(owner)
      throw new DatabaseClosedError('DATABASE_CLOSED', `database ${this.request.name} is closed`)
    }
    this.#role = 'owner'
    this.#announce(opened.result)
    // Calls this tab's page made while no tab owned the database run here now.
    this.#link.runWaiting((method, args) => this.#runHere(owner, method, args))
    void this.#handOverIfNewerTab()
    return opened.result
  }

  /** Tells the tabs that this one owns the database, at which version. */
  #announce(opened: OpenResult | null, to?: string): void {
    if (this.#role !== 'owner' || !this.#owner || !this.#opened) return
    // At open the version is known; after a call that may have moved it, read it again.
    const version = opened?.version ?? this.#fileVersion(this.#owner)
    const result = opened ?? { ...this.#opened, version, appliedNow: [], recoveredFrom: null }
    const history = this.#owner.history()
    this.#channel.post({
      type: 'ready',
      from: this.tabId,
      ...(to ? { to } : {}),
      knows: this.knows,
      version,
      opened: result,
      ...(history ? { history } : {}),
    })
  }

  /**
   * The file's version, read again if its connection is open, else the last one known: the connection is closed after
   * a restore that failed (until the database is reopened) and while an IndexedDB-storage restore or import writes.
   * Never throws: it runs in the handlers of other tabs' messages, where an error would escape the worker.
   */
  #fileVersion(owner: OwnerRole): number {
    try {
      if (owner.host.file.isOpen) this.#knownVersion = owner.host.file.version()
    } catch {
      // Being replaced right now: the last version known is what the other tabs can rely on.
    }
    return this.#knownVersion
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
    const owner = this.#owner
    if (this.#role !== 'owner' || !owner) return
    this.#role = 'releasing'
    if (newVersion !== null) {
      this.#versionChange('newer-tab', newVersion)
      this.#channel.post({ type: 'versionchange', from: this.tabId, newVersion, databaseVersion: this.#fileVersion(owner) })
    }
    await this.#stopOwning(owner)
    if (this.#isClosed()) return
    this.#role = 'follower'
    this.#queueForOwnership()
  }

  /** Stops owning: closes the file (see `OwnerRole.stop`), then lets go of the lock and tells the other tabs. */
  async #stopOwning(owner: OwnerRole): Promise<void> {
    try {
      await this.#letGo(this.#ownerLock!, () => owner.stop()) // set with #owner
    } finally {
      this.#owner = null
      this.#ownerLock = null
      this.#channel.post({ type: 'released', from: this.tabId })
    }
  }

  /**
   * The one place the owner lock is let go of: once `before` settled (the file closed, a failed open announced), or at
   * once (synchronously) without it, for a grant this tab declines. Never before: another tab granted the lock while
   * this one still holds the OPFS files, or before it heard of the failure, would fail or rerun the failing upgrade.
   */
  async #letGo(lock: OwnerLock, before?: () => Promise<void>): Promise<void> {
    try {
      if (before) await before()
    } finally {
      lock.release()
    }
  }

  /**
   * Handles another tab's message. An error here must never escape: thrown in the BroadcastChannel handler it would
   * be an uncaught error of the worker, which the page takes for a dead worker (`WORKER_DIED`) while the worker goes on
   * holding the owner lock and the OPFS handles. So it is reported on the console and the worker carries on.
   */
  #receiveSafely(message: TabMessage): void {
    try {
      this.#receive(message)
    } catch (error) {
      this.#reportHandlerError(message, error)
    }
  }

  #reportHandlerError(message: TabMessage, error: unknown): void {
    console.error(
      `sqlite-opfs-migrate: tab ${this.tabId} could not handle a '${message.type}' message from tab ${message.from} about ${this.request.name}`,
      error,
    )
  }

  #receive(message: TabMessage): void {
    if (message.from === this.tabId) return
    switch (message.type) {
      case 'hello':
        // A tab that joins during our open waits for it like the others: give it the progress it missed.
        if (this.#role === 'opening')
          for (const { seq, event } of this.#openEvents)
            this.#channel.post({ type: 'progress', from: this.tabId, to: message.from, seq, event })
        if (this.#role === 'owner') {
          if (message.knows > this.knows) this.#handOver(message.knows).catch((error) => this.#reportHandlerError(message, error))
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
          this.#progress.receive(message.from, message.seq, message.event, this.#joined !== null)
        return
      case 'call':
        if (this.#owner) this.#owner.serve(message)
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
      if (this.#joined) this.#settleJoin(decision.error)
      else this.#break(decision.error)
      return
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
      if (this.#joined) this.#settleJoin(error)
      else this.#break(error)
    }
    this.#channel.post({ type: 'failed-ack', from: this.tabId, to: message.from })
  }

  #asFollower(): FollowingTab {
    const { name: database, acceptEditedMigrations: acceptEdited, restoreFrom } = this.request
    return { database, knows: this.knows, prepared: this.prepared, acceptEdited, restoreFrom, joining: this.#joined !== null }
  }

  #settleJoin(error: unknown, opened?: OpenResult): void {
    const joined = this.#joined
    if (!joined) return
    this.#joined = null
    this.#progress.flush()
    if (error) {
      this.#lockWait?.abort()
      joined.reject(error)
    } else joined.resolve(opened!)
  }

  /** The database cannot be used from this tab any more: every call, waiting or future, fails with `error`. */
  #break(error: unknown): void {
    this.#broken = error
    this.#lockWait?.abort()
    this.#link.rejectAll(error)
    // This tab stays connected (its page gets `error`), but must not be waited for: a newer-code tab whose takeover
    // failed would otherwise have the older tabs defer to it forever.
    holdLock(brokenLockName(this.request.name, this.tabId), (release) => this.#role !== 'closed' && ((this.#releaseBroken = release), true))
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
    this.#releaseBroken()
    this.releaseTab()
  }
}
