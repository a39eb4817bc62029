import { afterEach, describe, expect, it, vi } from 'vitest'

import type { StoredHistory } from '../../core/runner/history'
import { prepareMigrations } from '../../core/runner/runner'
import { serializeError } from '../../shared/error-transfer'
import { DatabaseClosedError, DatabaseLockedError, InvalidOptionsError, MigrationFailedError, SqliteError } from '../../shared/errors'
import { CallDropped, CallScheduler } from '../../worker/tabs/call-scheduler'
import { failureToTake, type FollowingTab, readyDecision } from '../../worker/tabs/follow-decision'
import { OwnerLink } from '../../worker/tabs/owner-link'
import { ProgressRelay } from '../../worker/tabs/progress-relay'
import type { TabMessage } from '../../worker/tabs/tab-channel'
import { type CallAnswer, lostTransactionAnswer, TabTransaction, transactionEnd } from '../../worker/tabs/tab-transaction'

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('CallScheduler', () => {
  it('runs calls one at a time in arrival order', async () => {
    const scheduler = new CallScheduler(() => false)
    const log: string[] = []
    const slow = scheduler.submit('a', async () => {
      log.push('a start')
      await tick()
      log.push('a end')
      return 1
    })
    const fast = scheduler.submit('b', () => (log.push('b'), 2))
    expect(await Promise.all([slow, fast])).toEqual([1, 2])
    expect(log).toEqual(['a start', 'a end', 'b'])
  })

  it('gives a tab holding a transaction the connection until it ends; the others wait, in order', async () => {
    let open = false
    const holders: (string | null)[] = []
    const scheduler = new CallScheduler(
      () => open,
      (holder) => holders.push(holder),
    )
    const log: string[] = []
    await scheduler.submit('a', () => ((open = true), log.push('a BEGIN')))
    const b1 = scheduler.submit('b', () => log.push('b 1'))
    const c1 = scheduler.submit('c', () => log.push('c 1'))
    await scheduler.submit('a', () => log.push('a INSERT'))
    await tick()
    expect(log).toEqual(['a BEGIN', 'a INSERT'])
    await scheduler.submit('a', () => ((open = false), log.push('a COMMIT')))
    await Promise.all([b1, c1])
    expect(log).toEqual(['a BEGIN', 'a INSERT', 'a COMMIT', 'b 1', 'c 1'])
    expect(holders).toEqual(['a', null])
  })

  it('rolls back the transaction of a gone tab and lets the others go on', async () => {
    let open = false
    const scheduler = new CallScheduler(() => open)
    await scheduler.submit('a', () => (open = true))
    const waiting = scheduler.submit('b', () => 'b ran')
    scheduler.releaseHolder('someone else', () => {
      throw new Error('only the holder is released')
    })
    scheduler.releaseHolder('a', () => (open = false))
    expect(await waiting).toBe('b ran')
    expect(scheduler.holder).toBeNull()
  })

  it('idle() waits for queued and running calls; a failing call does not stop the queue', async () => {
    const scheduler = new CallScheduler(() => false)
    const failing = scheduler.submit('a', () => {
      throw new Error('boom')
    })
    const after = scheduler.submit('b', () => 'ok')
    let idle = false
    const done = scheduler.idle().then(() => (idle = true))
    await expect(failing).rejects.toThrow('boom')
    expect(await after).toBe('ok')
    await done
    expect(idle).toBe(true)
  })
})

describe('CallScheduler.stop', () => {
  // Found in review: a ROLLBACK that throws while the owner stops (an I/O error replaying the journal) escaped stop(),
  // so the owner skipped closing its file and let go of the lock with the OPFS handles still open; thrown after a
  // running call ended, it left idle() pending forever. The owner closes the connection next, which rolls back anyway.
  it('goes idle when rolling back another tab’s transaction throws, held before stop() or taken by a running call', async () => {
    const failingRollback = () => {
      throw new Error('disk I/O error')
    }
    let open = false
    const before = new CallScheduler(() => open)
    await before.submit('b', () => (open = true))
    await expect(before.stop('a', failingRollback)).resolves.toBeUndefined()
    expect(before.holder).toBeNull()

    open = false
    let finish = (): void => {}
    const during = new CallScheduler(() => open)
    const running = during.submit('b', () => new Promise<void>((resolve) => (finish = () => ((open = true), resolve()))))
    const stopped = during.stop('a', failingRollback)
    finish()
    await running
    await expect(stopped).resolves.toBeUndefined()
    expect(during.holder).toBeNull()
  })

  it('drops the other tabs’ queued calls, rolls back a transaction one of them began meanwhile, runs its own, and goes idle', async () => {
    let open = false
    let release!: () => void
    const scheduler = new CallScheduler(() => open)
    const log: string[] = []
    // An owner call that awaits (a snapshot, say) runs; tab b's BEGIN and the owner's own write queue behind it.
    const awaiting = scheduler.submit('b', () => new Promise<void>((resolve) => (release = resolve)))
    const begin = scheduler.submit('c', () => ((open = true), log.push('c BEGIN')))
    const own = scheduler.submit('owner', () => log.push('owner INSERT'))
    const stopped = scheduler.stop('owner', () => ((open = false), log.push('rollback')))
    await expect(begin).rejects.toBeInstanceOf(CallDropped)
    await expect(scheduler.submit('c', () => log.push('late'))).rejects.toBeInstanceOf(CallDropped)
    release()
    await awaiting
    await own
    await stopped
    expect(log).toEqual(['owner INSERT'])
  })

  it('rolls back a transaction another tab holds, then lets the owner’s own calls run', async () => {
    let open = false
    const scheduler = new CallScheduler(() => open)
    await scheduler.submit('b', () => (open = true))
    const own = scheduler.submit('owner', () => 'ran after the rollback')
    await scheduler.stop('owner', () => (open = false))
    expect(await own).toBe('ran after the rollback')
    expect(scheduler.holder).toBeNull()
  })
})

describe('TabTransaction', () => {
  it('follows the answers: a transaction is expected where the last answer said it is held', () => {
    const tx = new TabTransaction()
    tx.update('owner#1')
    expect(tx.expected).toBe('owner#1')
    tx.update(undefined) // a refused call changes nothing
    expect(tx.expected).toBe('owner#1')
    tx.update(null)
    expect(tx.expected).toBeNull()
    tx.outcomeUnknown('exec', ['INSERT INTO t VALUES (1)'])
    expect(tx.expected).toBeNull()
    tx.outcomeUnknown('exec', ['begin immediate'])
    expect(tx.expected).not.toBeNull()
  })

  it('a COMMIT whose outcome is unknown ends the transaction: the next call runs, not refused as "nothing committed"', async () => {
    const tx = new TabTransaction()
    const answer = (value: unknown): Promise<CallAnswer> => Promise.resolve({ ok: true, value, tx: 'A#1' })
    await tx.track('exec', ['BEGIN'], () => answer(0))
    await tx.track('exec', ['INSERT INTO t VALUES (1)'], () => answer(1))
    // The owner committed, then crashed before answering.
    const unknown = (): Promise<CallAnswer> => Promise.reject(new DatabaseClosedError('OUTCOME_UNKNOWN', 'owner gone'))
    await expect(tx.track('exec', ['COMMIT'], unknown)).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN' })
    // The next owner (session B#1) runs the next call instead of refusing it with TRANSACTION_LOST.
    expect(tx.expected).toBeNull()
    // A whole transaction in one call, a query() or a trailing comment: also possibly committed.
    for (const [method, sql] of [
      ['exec', 'BEGIN; INSERT INTO t VALUES (2); COMMIT'],
      ['query', 'END'],
      ['exec', 'ROLLBACK -- undo'],
    ] as const) {
      tx.update('A#1')
      await expect(tx.track(method, [sql], unknown)).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN' })
      expect(tx.expected).toBeNull()
    }
    // Any other call: its transaction is lost uncommitted (the COMMIT never ran), so the tab is told.
    tx.update('A#1')
    await expect(tx.track('exec', ['INSERT INTO t VALUES (3)'], unknown)).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN' })
    expect(tx.expected).toBe('A#1')
    // A BEGIN through query() may have begun one.
    tx.update(null)
    await expect(tx.track('query', ['BEGIN'], unknown)).rejects.toMatchObject({ code: 'OUTCOME_UNKNOWN' })
    expect(tx.expected).not.toBeNull()
  })

  it('a lost transaction: ROLLBACK resolves and ends it, COMMIT rejects and ends it, anything else rejects', () => {
    expect(transactionEnd(' -- done\nROLLBACK TRANSACTION;')).toBe('rollback')
    expect(transactionEnd('ROLLBACK TO sp')).toBeNull()
    expect(transactionEnd('end')).toBe('commit')
    expect(transactionEnd('COMMIT; BEGIN')).toBeNull()
    // Comments after it or between its words, and semicolons, change nothing; query('ROLLBACK') acknowledges too.
    expect(transactionEnd('ROLLBACK -- give up')).toBe('rollback')
    expect(transactionEnd('ROLLBACK; /* give up */ ;')).toBe('rollback')
    expect(transactionEnd('rollback /* all */ transaction;;')).toBe('rollback')
    expect(transactionEnd('COMMIT -- done\n')).toBe('commit')
    expect(transactionEnd('ROLLBACK -- x\n; SELECT 1')).toBeNull()
    expect(lostTransactionAnswer('query', ['ROLLBACK -- give up'], 'app.db')).toEqual({ ok: true, value: [], tx: null })
    expect(lostTransactionAnswer('query', ['COMMIT'], 'app.db')).toMatchObject({ ok: false, tx: null, error: { code: 'TRANSACTION_LOST' } })
    expect(lostTransactionAnswer('exec', ['ROLLBACK'], 'app.db')).toMatchObject({ ok: true, tx: null })
    expect(lostTransactionAnswer('exec', ['COMMIT'], 'app.db')).toMatchObject({ ok: false, tx: null, error: { code: 'TRANSACTION_LOST' } })
    const refused = lostTransactionAnswer('batch', [[]], 'app.db')
    expect(refused).toMatchObject({ ok: false, error: { code: 'TRANSACTION_LOST' } })
    expect('tx' in refused).toBe(false)
  })
})

describe('OwnerLink', () => {
  afterEach(() => vi.useRealTimers())

  const setup = (waitMs = 1000) => {
    const sent: TabMessage[] = []
    const link = new OwnerLink({ tabId: 'me', post: (m) => sent.push(m), waitMs, database: 'app.db' })
    const calls = () => sent.filter((m): m is Extract<TabMessage, { type: 'call' }> => m.type === 'call')
    return { link, sent, calls }
  }

  it('holds calls until an owner is ready, then sends them to it in order', () => {
    const { link, calls } = setup()
    void link.call('query', ['SELECT 1'])
    void link.call('exec', ['INSERT'])
    expect(calls()).toEqual([])
    link.ownerReady('owner-1')
    expect(calls().map((c) => [c.to, c.method, c.args])).toEqual([
      ['owner-1', 'query', ['SELECT 1']],
      ['owner-1', 'exec', ['INSERT']],
    ])
  })

  it('resolves with the owner’s answer: results, and errors with class and fields intact', async () => {
    const { link, calls } = setup()
    link.ownerReady('owner-1')
    const ok = link.call('query', ['SELECT 1'])
    const bad = link.call('exec', ['nope'])
    const [q, e] = calls()
    link.receive({ type: 'result', from: 'owner-1', to: 'me', id: q!.id, ok: true, value: [{ one: 1 }] })
    link.receive({
      type: 'result',
      from: 'owner-1',
      to: 'me',
      id: e!.id,
      ok: false,
      error: serializeError(new SqliteError('syntax', 1, 'nope')),
    })
    expect(await ok).toEqual({ ok: true, value: [{ one: 1 }] })
    const answer = await bad
    const error = answer.ok ? null : answer.error
    expect(error).toBeInstanceOf(SqliteError)
    expect(error).toMatchObject({ code: 'SQLITE_ERROR', sqliteCode: 1, sql: 'nope' })
  })

  it('ignores answers from a tab the call was not sent to', async () => {
    const { link, calls } = setup()
    link.ownerReady('owner-1')
    const pending = link.call('query', ['SELECT 1'])
    link.receive({ type: 'result', from: 'impostor', to: 'me', id: calls()[0]!.id, ok: true, value: 'wrong' })
    link.receive({ type: 'result', from: 'owner-1', to: 'me', id: calls()[0]!.id, ok: true, value: 'right' })
    expect(await pending).toEqual({ ok: true, value: 'right' })
  })

  it('when the owner is lost: unstarted calls go to the next owner once, a started write is OUTCOME_UNKNOWN, a started read runs again', async () => {
    const { link, calls } = setup()
    link.ownerReady('owner-1')
    const unstarted = link.call('exec', ['INSERT a'])
    const startedWrite = link.call('exec', ['INSERT b'])
    const startedRead = link.call('status', [])
    const [, write, read] = calls()
    link.receive({ type: 'accepted', from: 'owner-1', to: 'me', id: write!.id })
    link.receive({ type: 'accepted', from: 'owner-1', to: 'me', id: read!.id })
    link.ownerLost('owner-1')
    const error = await startedWrite.catch((x: unknown) => x)
    expect(error).toBeInstanceOf(DatabaseClosedError)
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN' })

    link.ownerReady('owner-2')
    const resent = calls().filter((c) => c.to === 'owner-2')
    expect(resent.map((c) => c.args)).toEqual([['INSERT a'], []])
    for (const c of resent) link.receive({ type: 'result', from: 'owner-2', to: 'me', id: c.id, ok: true, value: c.method })
    expect(await unstarted).toMatchObject({ value: 'exec' })
    expect(await startedRead).toMatchObject({ value: 'status' })
    // Nothing was sent twice to the same owner, and the started write was never resent.
    expect(calls().filter((c) => c.args[0] === 'INSERT b')).toHaveLength(1)
  })

  it('each call carries the transaction its tab expects, read when it is sent (also when sent again)', () => {
    const sent: TabMessage[] = []
    let expected: string | null = null
    const link = new OwnerLink({ tabId: 'me', post: (m) => sent.push(m), waitMs: 1000, database: 'app.db', expected: () => expected })
    link.ownerReady('owner-1')
    void link.call('exec', ['INSERT a'])
    expected = 'owner-1#1'
    link.ownerLost('owner-1')
    link.ownerReady('owner-2')
    expect(sent.filter((m) => m.type === 'call').map((m) => [m.to, (m as { tx: string | null }).tx])).toEqual([
      ['owner-1', null],
      ['owner-2', 'owner-1#1'],
    ])
  })

  it('a redirected call (the owner was letting go) waits for the next owner', () => {
    const { link, calls } = setup()
    link.ownerReady('owner-1')
    void link.call('exec', ['INSERT'])
    link.receive({ type: 'redirect', from: 'owner-1', to: 'me', id: calls()[0]!.id })
    expect(link.owner).toBeNull()
    link.ownerReady('owner-2')
    expect(calls().map((c) => c.to)).toEqual(['owner-1', 'owner-2'])
  })

  it('a call that finds no owner within waitMs rejects with DatabaseLockedError', async () => {
    vi.useFakeTimers()
    const { link } = setup(500)
    const pending = link.call('query', ['SELECT 1']).catch((x: unknown) => x)
    await vi.advanceTimersByTimeAsync(499)
    link.ownerReady('owner-1') // in time: the timer is cancelled
    const late = link.call('query', ['SELECT 2']).catch((x: unknown) => x)
    link.ownerLost('owner-1')
    await vi.advanceTimersByTimeAsync(501)
    // Both were back to waiting once owner-1 was lost (neither had started), and no owner came in time.
    expect(await late).toBeInstanceOf(DatabaseLockedError)
    expect(await pending).toMatchObject({ code: 'OWNED_ELSEWHERE', message: expect.stringContaining('query() did not run') })
  })

  it('rejectAll rejects waiting and sent calls alike', async () => {
    const { link } = setup()
    const waiting = link.call('query', ['SELECT 1']).catch((x: unknown) => x)
    link.ownerReady('owner-1')
    const sent = link.call('query', ['SELECT 2']).catch((x: unknown) => x)
    link.rejectAll(new Error('closed'))
    expect(await waiting).toMatchObject({ message: 'closed' })
    expect(await sent).toMatchObject({ message: 'closed' })
  })

  it('runWaiting runs the calls that were waiting here, once this tab became the owner', async () => {
    const { link, calls } = setup()
    const waiting = link.call('exec', ['INSERT'])
    link.runWaiting(async (method, args) => ({ ok: true, value: `${method} ${String(args[0])} ran here` }))
    expect(await waiting).toEqual({ ok: true, value: 'exec INSERT ran here' })
    expect(calls()).toEqual([])
  })
})

describe('ProgressRelay', () => {
  const event = (version: number) => ({ type: 'migration-start', index: version - 1, total: 5, version, name: `m${version}` }) as const

  it('while holding, passes events on in the owner’s order even when the replay comes after live events', () => {
    const seen: number[] = []
    const relay = new ProgressRelay((e) => seen.push((e as { version: number }).version))
    relay.receive('owner', 3, event(3), true) // live, before the replay
    relay.receive('owner', 4, event(4), true)
    expect(seen).toEqual([])
    for (const seq of [1, 2, 3, 4]) relay.receive('owner', seq, event(seq), true) // the replay
    relay.receive('owner', 5, event(5), true)
    expect(seen).toEqual([1, 2, 3, 4, 5])
  })

  it('flush() passes on what is held; later events pass at once; a new owner starts afresh', () => {
    const seen: string[] = []
    const relay = new ProgressRelay((e) => seen.push(String((e as { version: number }).version)))
    relay.receive('owner', 7, event(1), true)
    relay.flush()
    relay.receive('owner', 9, event(2), false)
    relay.receive('owner', 9, event(2), false) // a duplicate
    relay.receive('next-owner', 1, event(3), false)
    expect(seen).toEqual(['1', '2', '3'])
  })
})

describe('follow decisions', () => {
  const migrations = [
    { version: 1, name: 'one', sql: 'CREATE TABLE a (x);' },
    { version: 2, name: 'two', sql: 'CREATE TABLE b (x);' },
  ]
  const tab = async (overrides: Partial<FollowingTab> = {}): Promise<FollowingTab> => ({
    database: 'app.db',
    knows: 2,
    prepared: await prepareMigrations(migrations),
    acceptEdited: false,
    restoreFrom: null,
    joining: true,
    ...overrides,
  })
  const ready = (history: StoredHistory, knows = 2) =>
    ({ type: 'ready', from: 'owner', knows, version: history.version, opened: {} as never, history }) as const
  const row = (version: number, name: string, checksum: string | null) => ({
    version,
    name,
    checksum,
    appliedAt: '',
    durationMs: 0,
    baseline: false,
    schemaFingerprint: null,
  })

  it('follows a matching history, refuses an edited or renamed one as a lone open does, waits out an older owner', async () => {
    const prepared = await prepareMigrations(migrations)
    const rows = [row(1, 'one', prepared.checksums.get(1)!), row(2, 'two', prepared.checksums.get(2)!)]
    const history = { version: 2, hasTable: true, hasSchema: true, applied: rows }
    expect(readyDecision(ready(history), await tab())).toEqual({ kind: 'follow' })
    const edited = { ...history, applied: [rows[0]!, row(2, 'two', 'f'.repeat(64))] }
    expect(readyDecision(ready(edited), await tab())).toMatchObject({ kind: 'refuse', error: { code: 'MIGRATION_EDITED' } })
    expect(readyDecision(ready(edited), await tab({ acceptEdited: [2] }))).toEqual({ kind: 'follow' })
    const renamed = { ...history, applied: [rows[0]!, { ...rows[1]!, name: 'deux' }] }
    expect(readyDecision(ready(renamed), await tab())).toMatchObject({ kind: 'refuse', error: { code: 'HISTORY_MISMATCH' } })
    expect(readyDecision(ready({ ...history, version: 3 }), await tab())).toMatchObject({ kind: 'refuse', tooNew: true })
    expect(readyDecision(ready(history, 1), await tab())).toEqual({ kind: 'wait' })
  })

  it('a failed open’s error is taken by joining tabs with the same code, and by following ones only when it would recur', async () => {
    const failedUpgrade = Object.create(MigrationFailedError.prototype) as MigrationFailedError
    const ownOptions = new InvalidOptionsError('restoreFrom needs the database closed in every other tab')
    expect(failureToTake(ownOptions, 2, { ...(await tab()), following: false })).toBe(ownOptions)
    expect(failureToTake(ownOptions, 2, { ...(await tab({ joining: false })), following: true })).toBeNull()
    expect(failureToTake(failedUpgrade, 2, { ...(await tab({ joining: false })), following: true })).toBe(failedUpgrade)
    expect(failureToTake(failedUpgrade, 3, { ...(await tab()), following: false })).toBeNull()
  })
})
