import type { OpenResult } from '../../shared/types'
import type { DatabaseHost } from '../host/database-host'
import type { OwnerLock } from './owner-lock'
import { OwnerRole } from './owner-role'
import type { TabChannel, TabMessage } from './tab-channel'

/** What `Ownership.begin` needs. */
export interface OwnershipOptions {
  /** The owner lock this tab was granted: the ownership lets go of it, and nothing else does. */
  lock: OwnerLock
  /** Opens the database (recovering and upgrading as needed). */
  open: () => Promise<{ host: DatabaseHost; result: OpenResult }>
  /** Tells the other tabs that the open failed; the lock is kept until it resolves. */
  announceFailure: (error: unknown) => Promise<void>
  channel: TabChannel
  tabId: string
  /** Names this ownership (see `OwnerRole.session`); asked once the open succeeded, so failed opens use no name. */
  session: () => string
  /** Tells every tab the current version (see `OwnerRole.announce`). */
  announce: () => void
}

/**
 * One tenure of this tab as the database's owner, from the owner lock's grant to its release: the open file served to
 * every tab (`role`), and what the other tabs are told about it. The lock is let go of in two places only, both after
 * what must come first: a failed open once the failure is announced (tabs with the same code would otherwise be granted
 * the lock and rerun the same failing upgrade), and `end()` once the file and its OPFS handles are closed.
 *
 * @example
 * const ownership = await Ownership.begin({ lock, open, announceFailure, channel, tabId, session: () => `${tabId}#1`, announce })
 * channel.post(ownership.ready(knows, ownership.opened))
 * await ownership.end() // finishes the calls, closes the file, lets go of the lock
 */
export class Ownership {
  /** The file's version when last read: what is told while the connection is closed (see `fileVersion`). */
  #knownVersion: number

  private constructor(
    readonly lock: OwnerLock,
    readonly role: OwnerRole,
    /** What the open that began it returned. */
    readonly opened: OpenResult,
  ) {
    this.#knownVersion = opened.version
  }

  /** Opens the database as its owner; when the open fails, announces it, then lets go of the lock and throws. */
  static async begin(options: OwnershipOptions): Promise<Ownership> {
    const { lock, channel, tabId, session, announce } = options
    let opened: Awaited<ReturnType<OwnershipOptions['open']>>
    try {
      opened = await options.open()
    } catch (error) {
      // The open closed the file, but the lock is kept until the failure is announced and the waiting tabs took it.
      await lock.releaseAfter(() => options.announceFailure(error))
      throw error
    }
    return new Ownership(lock, new OwnerRole({ host: opened.host, channel, tabId, session: session(), announce }), opened.result)
  }

  /**
   * The 'ready' message telling the tabs that this one owns the database, at which version: `fresh` at the open (its
   * version is known), else the version read again, since a call may have moved it. `to`: one tab that asked.
   */
  ready(knows: number, fresh: OpenResult | null, to?: string): Extract<TabMessage, { type: 'ready' }> {
    const version = fresh?.version ?? this.fileVersion()
    const opened = fresh ?? { ...this.opened, version, appliedNow: [], recoveredFrom: null }
    const history = this.role.history()
    const from = this.role.tabId
    return { type: 'ready', from, ...(to ? { to } : {}), knows, version, opened, ...(history ? { history } : {}) }
  }

  /**
   * The file's version, read again if its connection is open, else the last one known: the connection is closed after
   * a restore that failed (until the database is reopened) and while an IndexedDB-storage restore or import writes.
   * Never throws: it runs in the handlers of other tabs' messages, where an error would escape the worker.
   */
  fileVersion(): number {
    const { file } = this.role.host
    try {
      if (file.isOpen) this.#knownVersion = file.version()
    } catch {
      // Being replaced right now: the last version known is what the other tabs can rely on.
    }
    return this.#knownVersion
  }

  /** Stops owning (see `OwnerRole.stop`: the calls finish, the file and its OPFS handles close), then lets go of the lock. */
  async end(): Promise<void> {
    await this.lock.releaseAfter(() => this.role.stop())
  }
}
