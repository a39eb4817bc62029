import { planUpgrade } from '../../core/runner/baseline'
import type { PreparedMigrations } from '../../core/runner/runner'
import { DatabaseCorruptError, DatabaseTooNewError, InvalidOptionsError, MigrationFailedError } from '../../shared/errors'
import type { TabMessage } from './tab-channel'

// What a tab that does not own the database makes of what the owner (or a tab that failed to become it) says. Pure, so
// the rules read in one place: when to follow, when to wait for the lock, when the database is not usable for this tab.

/** The tab that decides: its code, its options, and whether its `openDatabase` is still waiting (joining). */
export interface FollowingTab {
  database: string
  /** Latest migration version of its code. */
  knows: number
  prepared: PreparedMigrations
  acceptEdited: boolean | readonly number[]
  restoreFrom: string | null
  joining: boolean
}

/** `follow` the owner, `wait` for the lock (an older owner will hand over), or `refuse` with `error`. */
export type ReadyDecision = { kind: 'follow' } | { kind: 'wait' } | { kind: 'refuse'; error: unknown; tooNew: boolean }

/**
 * What a tab does with an owner's `ready`: a database newer than its code is refused (`DATABASE_TOO_NEW`); an older
 * owner is waited out; a joining `restoreFrom` is refused (another tab has the database open); a history its own
 * migrations do not accept is refused exactly as a lone open would (`planUpgrade`: `MIGRATION_EDITED`,
 * `HISTORY_MISMATCH`); otherwise it follows.
 *
 * @example
 * const decision = readyDecision(message, { database: 'app.db', knows: 5, prepared, acceptEdited: false, restoreFrom: null, joining: true })
 */
export function readyDecision(message: Extract<TabMessage, { type: 'ready' }>, tab: FollowingTab): ReadyDecision {
  if (message.version > tab.knows) {
    const error = new DatabaseTooNewError(
      `${tab.database} is at version ${message.version}, newer than this tab's latest migration ${tab.knows} (another tab upgraded it): reload`,
      message.version,
      tab.knows,
    )
    return { kind: 'refuse', error, tooNew: true }
  }
  // An owner with older code is about to hand over to this tab (it heard our hello): wait for the lock instead.
  if (tab.joining && message.knows < tab.knows) return { kind: 'wait' }
  if (tab.joining && tab.restoreFrom)
    return {
      kind: 'refuse',
      error: new InvalidOptionsError(
        `restoreFrom needs ${tab.database} closed in every other tab; another tab has it open now, nothing was restored`,
      ),
      tooNew: false,
    }
  if (message.history) {
    try {
      planUpgrade(message.history, tab.prepared, tab.acceptEdited)
    } catch (error) {
      return { kind: 'refuse', error, tooNew: false }
    }
  }
  return { kind: 'follow' }
}

/**
 * The error a tab waiting for the owner lock takes from another tab's failed open (`failed`), or `null` when it is not
 * its to take. The same code would fail the same way, so a tab with the same migrations takes it instead of running
 * the open again: a joining tab whatever it was, a tab already following only what its own takeover would surely meet
 * again (a failed upgrade, a damaged file; not, say, the failed tab's own options). A database too new is every
 * older tab's.
 *
 * @example
 * const error = failureToTake(deserializeError(message.error), message.knows, { ...tab, following: true })
 */
export function failureToTake(error: unknown, failedKnows: number, tab: FollowingTab & { following: boolean }): unknown {
  if (error instanceof DatabaseTooNewError && error.databaseVersion > tab.knows) {
    if (!tab.joining && !tab.following) return null
    return new DatabaseTooNewError(
      `${tab.database} is at version ${error.databaseVersion}, newer than this app's latest migration ${tab.knows}`,
      error.databaseVersion,
      tab.knows,
    )
  }
  if (failedKnows !== tab.knows) return null
  if (tab.joining) return error
  return tab.following && (error instanceof MigrationFailedError || error instanceof DatabaseCorruptError) ? error : null
}
