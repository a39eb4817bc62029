import { TransactionLostError } from '../../shared/errors'
import { type MethodArgs, rulesOf } from '../../shared/worker-protocol'
import type { RemoteMethod } from './tab-channel'

// A tab's transaction lives on the owner's connection, in one ownership session (one `OwnerRole`). When that session
// ends (the owner closed, crashed, was frozen or handed over), its connection rolled the transaction back. If the tab's
// next statements then ran at the next owner they would commit one by one: part of a transaction. So every call carries
// the session in which its tab believes it holds a transaction (`expect`), and an owner refuses a call that expects
// another session than its own: `TRANSACTION_LOST`, nothing run, until the tab ends the transaction.

/** What an owner answers to a call: its result or error, and where its tab now holds a transaction. */
export type CallAnswer = ({ ok: true; value: unknown } | { ok: false; error: unknown }) & {
  /**
   * The session in which the calling tab holds a transaction open after this call (`null`: none). Absent: unchanged,
   * i.e. the call was refused without running.
   */
  tx?: string | null
}

/** Stands for a session in which a transaction may have begun but whose owner is gone: no owner ever has it. */
const GONE = 'gone'

/**
 * One tab's view of its own transaction: in which ownership session it holds one open, if any. Updated from every
 * answer, in the order the owner ran the calls; read each time a call is sent (a call waiting for a new owner is sent
 * with what is known then).
 *
 * @example
 * const tx = new TabTransaction()
 * link.call('exec', ['BEGIN'], () => tx.expected)   // answer.tx === 'tab-a#1'
 * tx.update(answer.tx)                                // later calls expect session 'tab-a#1'
 */
export class TabTransaction {
  #session: string | null = null

  /** The session the tab's calls must run in (`null`: any). */
  get expected(): string | null {
    return this.#session
  }

  /** Takes in an answer's `tx`. */
  update(tx: string | null | undefined): void {
    if (tx !== undefined) this.#session = tx
  }

  /**
   * Runs one call of this tab's page (`send`: to the owner, or here) and takes in its answer: resolves with its value,
   * rejects with its error.
   */
  async track<M extends RemoteMethod>(method: M, args: MethodArgs<M>, send: () => Promise<CallAnswer>): Promise<unknown> {
    let answer: CallAnswer
    try {
      answer = await send()
    } catch (error) {
      if ((error as { code?: unknown })?.code === 'OUTCOME_UNKNOWN') this.outcomeUnknown(method, args)
      throw error
    }
    this.update(answer.tx)
    if (!answer.ok) throw answer.error
    return answer.value
  }

  /**
   * A call whose owner went away after starting it (`OUTCOME_UNKNOWN`, which already tells the app to check what was
   * committed). If it could have ended the tab's transaction (SQL naming COMMIT, END or ROLLBACK anywhere, including a
   * whole `BEGIN; …; COMMIT`), the tab no longer holds one: were the session kept, the next call would be refused with
   * "nothing of it was committed", possibly after the COMMIT ran, and the documented retry would apply it twice.
   * Otherwise, if it could have begun one (BEGIN or SAVEPOINT), that one is now rolled back: the tab's calls are refused
   * until it ends it. Any other call leaves a held session as it is: its owner died, so the transaction is lost and
   * was not committed (its COMMIT never ran).
   */
  outcomeUnknown<M extends RemoteMethod>(method: M, args: MethodArgs<M>): void {
    if (!rulesOf(method).controlsTransaction) return
    const sql = String(args[0])
    if (/\b(COMMIT|END|ROLLBACK)\b/i.test(sql)) this.#session = null
    else if (this.#session === null && /\b(BEGIN|SAVEPOINT)\b/i.test(sql)) this.#session = GONE
  }
}

/**
 * How a statement text ends a transaction: `ROLLBACK` (not `ROLLBACK TO`), `COMMIT`/`END`, or not at all (anything
 * else, several statements included).
 *
 * @example
 * transactionEnd('ROLLBACK;') // → 'rollback'
 */
export function transactionEnd(sql: unknown): 'rollback' | 'commit' | null {
  // Comments anywhere (before, between the words, after) and semicolons at the end do not change what it does.
  const text = String(sql)
    .replace(/--[^\n]*(?:\n|$)|\/\*[\s\S]*?(?:\*\/|$)/g, ' ')
    .replace(/[\s;]+$/, '')
    .trim()
  if (/^ROLLBACK(\s+TRANSACTION)?$/i.test(text)) return 'rollback'
  if (/^(COMMIT|END)(\s+TRANSACTION)?$/i.test(text)) return 'commit'
  return null
}

/**
 * An owner's answer to a call whose tab's transaction was lost (it expects a session that has ended). Nothing runs:
 * a `ROLLBACK` (through `exec` or `query`) is the tab's acknowledgment and resolves; a `COMMIT`/`END` rejects with `TRANSACTION_LOST` and also ends
 * it; anything else rejects and leaves the tab's transaction lost.
 *
 * @example
 * const answer = lostTransactionAnswer('exec', ['INSERT INTO t VALUES (1)'], 'app.db') // { ok: false, error: TransactionLostError }
 */
export function lostTransactionAnswer<M extends RemoteMethod>(method: M, args: MethodArgs<M>, database: string): CallAnswer {
  // `query('ROLLBACK')` ends a transaction as `exec('ROLLBACK')` does; each resolves with what it would have answered.
  const end = rulesOf(method).controlsTransaction ? transactionEnd(args[0]) : null
  if (end === 'rollback') return { ok: true, value: method === 'query' ? [] : { changes: 0, lastInsertRowid: 0 }, tx: null }
  const error = new TransactionLostError(
    `this tab's transaction on ${database} was rolled back when the tab that owned the database stopped (closed, crashed, ` +
      `frozen or handed over); nothing of it was committed. ${end === 'commit' ? 'Nothing was committed now either; the transaction is ended' : `${method}() did not run: end the transaction with ROLLBACK`}, then start it again`,
  )
  return end === 'commit' ? { ok: false, error, tx: null } : { ok: false, error }
}
