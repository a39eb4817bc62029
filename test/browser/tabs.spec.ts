import type { Page } from '@playwright/test'

import { expect, failed, h, limitQuota, ok, openApp, test } from './fixtures'

// Several pages of one browser context share OPFS, IndexedDB, Web Locks and BroadcastChannels: they are the tabs.

const titles = async (page: Page, name: string) =>
  ok(await h.query(page, name, 'SELECT title FROM notes ORDER BY title')).map((r) => r.title as string)
const versionChanges = (page: Page) => page.evaluate(() => window.harness.versionChanges)
const insertMany = (page: Page, name: string, prefix: string, count: number) =>
  page.evaluate(([n, p, c]) => window.harness.insertMany(n, p, c), [name, prefix, count] as const)

test('three tabs opening at once: one upgrade, every tab reads and writes, and sees the others’ writes', async ({ context }) => {
  const tabs = await Promise.all([openApp(context), openApp(context), openApp(context)])
  const opened = (await Promise.all(tabs.map((tab) => h.open(tab, { name: 'three.db', set: 'v2' })))).map(ok)

  // Exactly one tab owns the file and ran the migrations; the others waited for it and were told what it did.
  expect(opened.filter((o) => o.servedBy === 'this-tab')).toHaveLength(1)
  for (const o of opened) {
    expect(o.version).toBe(5)
    expect(o.appliedNow.map((m) => m.version)).toEqual([1, 2, 3, 4, 5])
  }
  const status = ok(await h.status(tabs[0]!, 'three.db'))
  expect(status.applied.map((m) => m.version)).toEqual([1, 2, 3, 4, 5])
  expect(status.snapshots.filter((s) => s.reason === 'upgrade')).toHaveLength(1)
  // Every tab saw each migration start once, in order: the owner's progress reached the waiting tabs.
  for (const tab of tabs) {
    const starts = (await h.progress(tab)).filter((e) => e.type === 'migration-start').map((e) => (e as { version: number }).version)
    expect(starts).toEqual([1, 2, 3, 4, 5])
  }

  await Promise.all(tabs.map((tab, i) => h.exec(tab, 'three.db', 'INSERT INTO notes (title) VALUES (?)', [`from tab ${i}`])))
  for (const tab of tabs) expect(await titles(tab, 'three.db')).toEqual(['from tab 0', 'from tab 1', 'from tab 2'])

  const statuses = (await Promise.all(tabs.map((tab) => h.status(tab, 'three.db')))).map(ok)
  const owner = statuses.find((s) => s.tabs.isOwner)!
  for (const s of statuses) expect(s.tabs).toMatchObject({ ownerTab: owner.tabs.thisTab, connected: 3 })
  expect(new Set(statuses.map((s) => s.tabs.thisTab)).size).toBe(3)
})

test('a follower gets the same typed errors and results as the owner', async ({ context }) => {
  const [first, second] = await Promise.all([openApp(context), openApp(context)])
  ok(await h.open(first, { name: 'same.db', set: 'v2' }))
  const follower = ok(await h.open(second, { name: 'same.db', set: 'v2' }))
  expect(follower).toMatchObject({ servedBy: 'another-tab', version: 5, appliedNow: [] })

  const error = failed(await h.exec(second, 'same.db', 'INSERT INTO no_such_table VALUES (1)'))
  expect(error).toMatchObject({ isLibraryError: true, className: 'SqliteError', code: 'SQLITE_ERROR' })
  expect(error.fields).toMatchObject({ sqliteCode: 1, sql: 'INSERT INTO no_such_table VALUES (1)' })
  // Results keep their exact values and types (rowids are BigInts, as sqlite-wasm gives them to the owner's page).
  const described = async (page: Page, sql: string) =>
    page.evaluate(async (s) => {
      const run = await window.harness.handle('same.db').exec(s)
      return { changes: run.changes, rowid: String(run.lastInsertRowid), type: typeof run.lastInsertRowid }
    }, sql)
  expect(await described(second, `INSERT INTO notes (title) VALUES ('x')`)).toEqual({ changes: 1, rowid: '1', type: 'bigint' })
  expect(await described(first, `INSERT INTO notes (title) VALUES ('y')`)).toEqual({ changes: 1, rowid: '2', type: 'bigint' })
  const file = ok(await h.exportFile(second, 'same.db'))
  expect(file.type).toBe('application/vnd.sqlite3')
  expect(ok(await h.exportFile(first, 'same.db')).sha256).toBe(file.sha256)
  const snapshot = ok(await second.evaluate(() => window.harness.snapshot('same.db')))
  expect(snapshot).toMatchObject({ reason: 'manual', fromVersion: 5, checksum: file.sha256 })
})

test('execute gives rows, columns and changes together, as objects or arrays, at the owner and a follower', async ({ context }) => {
  const [first, second] = await Promise.all([openApp(context), openApp(context)])
  ok(await h.open(first, { name: 'execute.db', set: 'v2' }))
  ok(await h.open(second, { name: 'execute.db', set: 'v2' }))
  for (const [page, title] of [
    [first, 'a'],
    [second, 'b'],
  ] as const) {
    const inserted = await page.evaluate(async (t) => {
      const db = window.harness.handle('execute.db')
      const run = await db.execute('INSERT INTO notes (title) VALUES (?) RETURNING title', [t])
      const arrays = await db.execute('SELECT title, 1 + 1 AS two FROM notes WHERE title = ?', [t], { rowMode: 'array' })
      const empty = await db.execute('SELECT title FROM notes WHERE 0', [], { rowMode: 'array' })
      return { run: { ...run, lastInsertRowid: typeof run.lastInsertRowid }, arrays, empty }
    }, title)
    expect(inserted.run).toEqual({ rows: [{ title }], columns: ['title'], changes: 1, lastInsertRowid: 'bigint' })
    expect(inserted.arrays).toMatchObject({ rows: [[title, 2]], columns: ['title', 'two'], changes: 0 })
    expect(inserted.empty).toMatchObject({ rows: [], columns: ['title'] })
  }
  // It controls the tab's transaction as exec does: a follower's BEGIN through execute, then ROLLBACK, leaves nothing.
  await second.evaluate(async () => {
    const db = window.harness.handle('execute.db')
    await db.execute('BEGIN')
    await db.execute(`INSERT INTO notes (title) VALUES ('rolled back')`)
    await db.execute('ROLLBACK')
  })
  expect(await titles(first, 'execute.db')).toEqual(['a', 'b'])
  const error = await second.evaluate(() =>
    window.harness
      .handle('execute.db')
      .execute('SELEC 1')
      .catch((e: { name: string; code: string }) => ({ name: e.name, code: e.code })),
  )
  expect(error).toEqual({ name: 'SqliteError', code: 'SQLITE_ERROR' })
})

test('transactions of different tabs never interleave; a tab that dies inside one has it rolled back', async ({ context }) => {
  const [a, b, c] = await Promise.all([openApp(context), openApp(context), openApp(context)])
  ok(await h.open(a, { name: 'tx.db', set: 'v2' }))
  ok(await h.open(b, { name: 'tx.db', set: 'v2' }))
  ok(await h.open(c, { name: 'tx.db', set: 'v2' }))

  // Follower b opens a transaction; the owner's and c's writes wait for it instead of landing inside it.
  ok(await h.query(a, 'tx.db', `SELECT watch_calls('tx.db')`))
  ok(await h.exec(b, 'tx.db', 'BEGIN'))
  ok(await h.exec(b, 'tx.db', `INSERT INTO notes (title) VALUES ('b, rolled back')`))
  const fromA = h.exec(a, 'tx.db', `INSERT INTO notes (title) VALUES ('a')`)
  const fromC = h.exec(c, 'tx.db', `INSERT INTO notes (title) VALUES ('c')`)
  // c's write has reached the owner (announced by its worker once taken in) and waits there, as a's does.
  await expect.poll(() => a.evaluate(() => window.harness.faults)).toContain(`call exec INSERT INTO notes (title) VALUES ('c')`)
  expect(await titles(b, 'tx.db')).toEqual(['b, rolled back'])
  ok(await h.exec(b, 'tx.db', 'ROLLBACK'))
  ok(await fromA)
  ok(await fromC)
  expect(await titles(a, 'tx.db')).toEqual(['a', 'c'])

  // c opens a transaction and its tab closes before COMMIT: the owner rolls it back and the others go on.
  ok(await h.exec(c, 'tx.db', 'BEGIN'))
  ok(await h.exec(c, 'tx.db', `INSERT INTO notes (title) VALUES ('c, never committed')`))
  const waiting = h.exec(b, 'tx.db', `INSERT INTO notes (title) VALUES ('b')`)
  await c.close()
  ok(await waiting)
  expect(await titles(a, 'tx.db')).toEqual(['a', 'b', 'c'])
  expect(ok(await h.status(a, 'tx.db')).tabs.connected).toBe(2)
})

for (const how of ['closed', 'crashed'] as const) {
  test(`owner tab ${how}: another tab takes over, and writes issued during the switch land exactly once`, async ({ context }) => {
    const [owner, b, c] = await Promise.all([openApp(context), openApp(context), openApp(context)])
    ok(await h.open(owner, { name: 'failover.db', set: 'v2' }))
    ok(await h.open(b, { name: 'failover.db', set: 'v2' }))
    ok(await h.open(c, { name: 'failover.db', set: 'v2' }))
    ok(await h.exec(owner, 'failover.db', `INSERT INTO notes (title) VALUES ('before')`))

    // Both followers keep writing while the owner goes away: it goes once each has written, and they stop once each
    // has issued 10 writes after that (waiting on what happened, not on a delay).
    const writesB = insertMany(b, 'failover.db', 'b', 100_000)
    const writesC = insertMany(c, 'failover.db', 'c', 100_000)
    const issued = (tab: Page, prefix: string, after = 0) =>
      tab.evaluate(([p, t]) => (window.harness.writes[p] ?? []).filter((o) => o.at > t).length, [prefix, after] as const)
    for (const [tab, prefix] of [
      [b, 'b'],
      [c, 'c'],
    ] as const)
      await expect.poll(() => issued(tab, prefix)).toBeGreaterThanOrEqual(3)
    const goneAt = Date.now()
    if (how === 'closed') await owner.close()
    else await owner.evaluate(() => window.harness.terminate('failover.db'))
    for (const [tab, prefix] of [
      [b, 'b'],
      [c, 'c'],
    ] as const) {
      await expect.poll(() => issued(tab, prefix, goneAt), { timeout: 30_000 }).toBeGreaterThanOrEqual(10)
      await tab.evaluate((p) => window.harness.stopWriting(p), prefix)
    }
    const outcomes = [...(await writesB), ...(await writesC)]
    // The writes straddle the switch: some were issued before the owner went, some after.
    expect(outcomes.some((o) => o.at < goneAt)).toBe(true)
    expect(outcomes.filter((o) => o.at > goneAt).length).toBeGreaterThan(10)

    const rows = await titles(b, 'failover.db')
    const count = (title: string) => rows.filter((t) => t === title).length
    expect(count('before')).toBe(1)
    for (const o of outcomes) {
      // Never twice; every write that succeeded is there once; one the dying owner had started may be unknown.
      expect(count(o.title)).toBeLessThanOrEqual(1)
      if (o.ok) expect(count(o.title), o.title).toBe(1)
      else expect(o.code).toBe('OUTCOME_UNKNOWN')
    }
    expect(outcomes.filter((o) => !o.ok).length).toBeLessThanOrEqual(2)
    expect(await titles(c, 'failover.db')).toEqual(rows)
    const status = ok(await h.status(c, 'failover.db'))
    expect(status.tabs.connected).toBe(2)
    expect([ok(await h.status(b, 'failover.db')).tabs.thisTab, status.tabs.thisTab]).toContain(status.tabs.ownerTab)
    expect(ok(await h.query(c, 'failover.db', 'PRAGMA quick_check'))).toEqual([{ quick_check: 'ok' }])
  })
}

test('a tab with newer migrations takes over from older tabs, which are told and then refuse with "too new"', async ({ context }) => {
  const [old1, old2] = await Promise.all([openApp(context), openApp(context)])
  ok(await h.open(old1, { name: 'skew.db', set: 'v1' }))
  ok(await h.open(old2, { name: 'skew.db', set: 'v1' }))
  ok(await h.exec(old2, 'skew.db', `INSERT INTO notes (title) VALUES ('#written by v1')`))
  const before = ok(await h.exportFile(old1, 'skew.db'))

  const newer = await openApp(context)
  const opened = ok(await h.open(newer, { name: 'skew.db', set: 'v2' }))
  expect(opened).toMatchObject({ servedBy: 'this-tab', version: 5, latestVersion: 5 })
  expect(opened.appliedNow.map((m) => m.version)).toEqual([3, 4, 5])
  // One upgrade, from the old tabs' exact file; the v1 data went through the v2 migrations.
  const status = ok(await h.status(newer, 'skew.db'))
  const upgrades = status.snapshots.filter((s) => s.reason === 'upgrade' && s.toVersion === 5)
  expect(upgrades).toHaveLength(1)
  expect(upgrades[0]).toMatchObject({ fromVersion: 2, toVersion: 5, checksum: before.sha256 })
  expect(ok(await h.query(newer, 'skew.db', 'SELECT name FROM tags'))).toEqual([{ name: 'written' }])

  for (const old of [old1, old2]) {
    expect(await versionChanges(old)).toEqual([{ type: 'versionchange', reason: 'newer-tab', knownVersion: 2, newVersion: 5 }])
    const refused = failed(await h.query(old, 'skew.db', 'SELECT title FROM notes'))
    expect(refused).toMatchObject({ className: 'DatabaseTooNewError', code: 'DATABASE_TOO_NEW' })
    expect(refused.fields).toMatchObject({ databaseVersion: 5, latestVersion: 2 })
  }
  expect(await versionChanges(newer)).toEqual([])

  // An old tab started now is refused at open, with the same event.
  const late = await openApp(context)
  const error = failed(await h.open(late, { name: 'skew.db', set: 'v1' }))
  expect(error).toMatchObject({ className: 'DatabaseTooNewError', fields: { databaseVersion: 5, latestVersion: 2 } })
  expect(await versionChanges(late)).toEqual([{ type: 'versionchange', reason: 'database-newer', knownVersion: 2, newVersion: 5 }])
})

test('a failing upgrade seen from two tabs: both get the same error, it ran once, and the database is restored', async ({ context }) => {
  const setup = await openApp(context)
  ok(await h.open(setup, { name: 'fail2.db', set: 'v2' }))
  ok(await h.exec(setup, 'fail2.db', `INSERT INTO notes (title) VALUES ('keep me'), ('and me')`))
  const before = ok(await h.exportFile(setup, 'fail2.db'))
  ok(await h.close(setup, 'fail2.db'))

  const [a, b] = await Promise.all([openApp(context), openApp(context)])
  const errors = (await Promise.all([h.open(a, { name: 'fail2.db', set: 'fail' }), h.open(b, { name: 'fail2.db', set: 'fail' })])).map(
    failed,
  )
  for (const error of errors) {
    expect(error).toMatchObject({ className: 'MigrationFailedError', code: 'MIGRATION_FAILED' })
    expect(error.fields.details).toMatchObject({ phase: 'migration', version: 6, migrationName: 'broken_archive', restoredToVersion: 5 })
  }
  expect(errors[1]!.fields.details).toEqual(errors[0]!.fields.details)
  const starts = [...(await h.progress(a)), ...(await h.progress(b))].filter((e) => e.type === 'migration-start')
  // Both tabs saw the owner's one attempt at migration 6; nobody ran it a second time.
  expect(starts.map((e) => (e as { version: number }).version)).toEqual([6, 6])

  ok(await h.open(setup, { name: 'fail2.db', set: 'v2' }))
  expect(ok(await h.exportFile(setup, 'fail2.db')).sha256).toBe(before.sha256)
  const status = ok(await h.status(setup, 'fail2.db'))
  expect(status.snapshots.filter((s) => s.reason === 'upgrade' && s.fromVersion === 5)).toHaveLength(1)
  expect(status.lastFailure).toMatchObject({ code: 'MIGRATION_FAILED', version: 6 })
})

test('an owner tab about to be frozen hands the database to the next tab, and keeps working as a follower', async ({ context }) => {
  const [owner, b] = await Promise.all([openApp(context), openApp(context)])
  ok(await h.open(owner, { name: 'freeze.db', set: 'v2' }))
  ok(await h.open(b, { name: 'freeze.db', set: 'v2' }))
  const ownerTab = ok(await h.status(owner, 'freeze.db')).tabs
  expect(ownerTab.isOwner).toBe(true)

  // Headless Chromium keeps every page visible, so the browser never fires `freeze` itself: dispatch it as it would.
  await owner.evaluate(() => document.dispatchEvent(new Event('freeze')))
  ok(await h.exec(b, 'freeze.db', `INSERT INTO notes (title) VALUES ('from b')`))
  await expect.poll(async () => ok(await h.status(b, 'freeze.db')).tabs.isOwner).toBe(true)
  ok(await h.exec(owner, 'freeze.db', `INSERT INTO notes (title) VALUES ('from the resumed tab')`))
  expect(await titles(owner, 'freeze.db')).toEqual(['from b', 'from the resumed tab'])
  expect(ok(await h.status(owner, 'freeze.db')).tabs).toMatchObject({ isOwner: false, connected: 2 })
  expect(await versionChanges(owner)).toEqual([])
})

test('ownerTimeoutMs bounds the wait for another tab, not this tab’s own upgrade', async ({ context }) => {
  // A waiting tab gives up after its timeout while the owner's long upgrade (~1.5 s) carries on unharmed.
  const [a, b] = await Promise.all([openApp(context), openApp(context)])
  const owning = h.open(a, { name: 'slow.db', set: 'slow' })
  // Wait until tab a owns the database and is upgrading (a fixed delay lost the race once on a loaded machine).
  await expect.poll(async () => (await h.progress(a)).some((e) => e.type === 'migration-start'), { timeout: 10_000 }).toBe(true)
  let upgraded = false
  void owning.then(() => (upgraded = true))
  const error = failed(await h.open(b, { name: 'slow.db', set: 'slow', options: { ownerTimeoutMs: 300 } }))
  expect(error).toMatchObject({ className: 'DatabaseLockedError', code: 'OWNED_ELSEWHERE', fields: { database: 'slow.db' } })
  // b gave up on its own timeout, not because the owner finished (no wall-clock bound: the machine may be slow).
  expect(upgraded).toBe(false)
  expect(ok(await owning)).toMatchObject({ version: 6, servedBy: 'this-tab' })
  ok(await h.open(b, { name: 'slow.db', set: 'slow' }))
  expect(ok(await h.query(b, 'slow.db', 'SELECT count(*) > 0 AS rows FROM ledger'))).toEqual([{ rows: 1 }])

  // A newer tab that takes over runs its own long upgrade to the end, whatever its timeout for waiting was.
  const [old, newer] = await Promise.all([openApp(context), openApp(context)])
  ok(await h.open(old, { name: 'slow2.db', set: 'v2' }))
  expect(ok(await h.open(newer, { name: 'slow2.db', set: 'slow', options: { ownerTimeoutMs: 500 } }))).toMatchObject({
    version: 6,
    servedBy: 'this-tab',
  })
  expect(await versionChanges(old)).toEqual([{ type: 'versionchange', reason: 'newer-tab', knownVersion: 5, newVersion: 6 }])
})

test('an older tab following a newer one is told when that tab’s migrate() moves the database past it', async ({ context }) => {
  const [newer, old] = await Promise.all([openApp(context), openApp(context)])
  // The newer tab opens without upgrading, so the database stays at a version the old tab knows.
  ok(await h.open(newer, { name: 'later.db', set: 'v1' }))
  ok(await h.close(newer, 'later.db'))
  ok(await h.open(newer, { name: 'later.db', set: 'v2', options: { autoMigrate: false } }))
  expect(ok(await h.open(old, { name: 'later.db', set: 'v1' }))).toMatchObject({ servedBy: 'another-tab', version: 2 })
  ok(await h.exec(old, 'later.db', `INSERT INTO notes (title) VALUES ('#from the old tab')`))

  expect(ok(await newer.evaluate(() => window.harness.migrate('later.db'))).map((m) => m.version)).toEqual([3, 4, 5])
  await expect
    .poll(() => versionChanges(old))
    .toEqual([{ type: 'versionchange', reason: 'database-newer', knownVersion: 2, newVersion: 5 }])
  expect(failed(await h.query(old, 'later.db', 'SELECT 1'))).toMatchObject({
    className: 'DatabaseTooNewError',
    fields: { databaseVersion: 5 },
  })
  expect(ok(await h.query(newer, 'later.db', 'SELECT name FROM tags'))).toEqual([{ name: 'from' }])
})

test('a transaction that spans an owner change is never committed in part: TRANSACTION_LOST until the tab ends it', async ({ context }) => {
  const [a, b, c] = await Promise.all([openApp(context), openApp(context), openApp(context)])
  for (const tab of [a, b, c]) ok(await h.open(tab, { name: 'lost.db', set: 'v2' }))
  const batch = (page: Page, titles: string[]) =>
    page.evaluate(
      ([list]) =>
        window.harness.batch(
          'lost.db',
          list.map((t) => ({ sql: 'INSERT INTO notes (title) VALUES (?)', params: [t] })),
        ),
      [titles] as const,
    )
  const insert = (page: Page, title: string) => h.exec(page, 'lost.db', 'INSERT INTO notes (title) VALUES (?)', [title])
  const isLost = (result: { ok: boolean; error?: unknown; value?: unknown }) =>
    expect(failed(result)).toMatchObject({ isLibraryError: true, className: 'TransactionLostError', code: 'TRANSACTION_LOST' })

  // Follower b is inside a transaction when the owner's page closes: its connection rolls b's transaction back.
  ok(await h.exec(b, 'lost.db', 'BEGIN'))
  ok(await insert(b, 'x1'))
  await a.close()
  isLost(await insert(b, 'x2'))
  isLost(await batch(b, ['x3', 'x4']))
  isLost(await h.query(b, 'lost.db', 'SELECT 1'))
  // COMMIT cannot commit anything: it rejects too, and ends the transaction.
  isLost(await h.exec(b, 'lost.db', 'COMMIT'))
  ok(await insert(b, 'b after commit'))
  expect(await titles(c, 'lost.db')).toEqual(['b after commit'])

  // The owner's own page is inside a transaction when it is frozen and hands over.
  const bOwns = ok(await h.status(b, 'lost.db')).tabs.isOwner
  const [owner, follower] = bOwns ? [b, c] : [c, b]
  ok(await h.exec(owner, 'lost.db', 'BEGIN'))
  ok(await insert(owner, 'o1'))
  await owner.evaluate(() => document.dispatchEvent(new Event('freeze')))
  await expect.poll(async () => ok(await h.status(follower, 'lost.db')).tabs.isOwner).toBe(true)
  isLost(await insert(owner, 'o2'))
  // ROLLBACK is the acknowledgment: it resolves, and the tab goes on normally.
  ok(await h.exec(owner, 'lost.db', 'ROLLBACK'))
  ok(await insert(owner, 'o3'))

  // The owner crashes while the other tab is inside a transaction; that tab becomes the owner itself.
  ok(await h.exec(owner, 'lost.db', 'BEGIN'))
  ok(await insert(owner, 'c1'))
  await follower.evaluate(() => window.harness.terminate('lost.db'))
  isLost(await insert(owner, 'c2'))
  isLost(await batch(owner, ['c3', 'c4']))
  ok(await h.exec(owner, 'lost.db', 'ROLLBACK'))
  expect(ok(await h.status(owner, 'lost.db')).tabs.isOwner).toBe(true)
  ok(await batch(owner, ['c5', 'c6']))
  expect(await titles(owner, 'lost.db')).toEqual(['b after commit', 'c5', 'c6', 'o3'])
  expect(ok(await h.query(owner, 'lost.db', 'PRAGMA quick_check'))).toEqual([{ quick_check: 'ok' }])
})

for (const how of ['close', 'freeze'] as const) {
  test(`an owner that stops (${how}) while a follower's BEGIN waits behind an awaiting call ends, and every call settles`, async ({
    context,
  }) => {
    const [a, b] = await Promise.all([openApp(context), openApp(context)])
    ok(await h.open(a, { name: 'stop.db', set: 'v2' }))
    ok(await h.open(b, { name: 'stop.db', set: 'v2' }))
    const seen = () => a.evaluate(() => window.harness.faults)
    ok(await h.query(a, 'stop.db', `SELECT watch_calls('stop.db')`))

    // b's status() runs at the owner and waits for IndexedDB, which the test holds; b's BEGIN queues behind it.
    ok(await a.evaluate(() => window.harness.holdSnapshotStore()))
    const statusB = h.status(b, 'stop.db')
    await expect.poll(seen).toContain('call status')
    const beginB = h.exec(b, 'stop.db', 'BEGIN')
    await expect.poll(seen).toContain('call exec BEGIN')
    // The owner's own page queues a write behind b's BEGIN, then the owner stops.
    const insertA = h.exec(a, 'stop.db', `INSERT INTO notes (title) VALUES ('a')`)
    const stopping = how === 'close' ? h.close(a, 'stop.db') : a.evaluate(() => document.dispatchEvent(new Event('freeze')))
    await a.evaluate(() => window.harness.releaseSnapshotStore())

    // Stopping ends; every call settles; b's BEGIN ran once, at the next owner, and its transaction works there.
    if (how === 'close') ok(await (stopping as ReturnType<typeof h.close>))
    else await stopping
    expect(ok(await statusB).version).toBe(5)
    ok(await insertA)
    ok(await beginB)
    await expect.poll(async () => ok(await h.status(b, 'stop.db')).tabs.isOwner).toBe(true)
    ok(await h.exec(b, 'stop.db', `INSERT INTO notes (title) VALUES ('b')`))
    ok(await h.exec(b, 'stop.db', 'COMMIT'))
    expect(await titles(b, 'stop.db')).toEqual(['a', 'b'])
    if (how === 'freeze') expect(await titles(a, 'stop.db')).toEqual(['a', 'b'])
  })
}

test('a tab whose applied migration was edited or renamed is refused when it joins an owner, as a lone open is', async ({ context }) => {
  const [owner, edited, renamed] = await Promise.all([openApp(context), openApp(context), openApp(context)])
  ok(await h.open(owner, { name: 'joined.db', set: 'v2' }))
  ok(await h.exec(owner, 'joined.db', `INSERT INTO notes (title) VALUES ('kept')`))

  const editedError = failed(await h.open(edited, { name: 'joined.db', set: 'edited' }))
  expect(editedError).toMatchObject({
    className: 'MigrationEditedError',
    code: 'MIGRATION_EDITED',
    fields: { version: 3, migrationName: 'add_done' },
  })
  const renamedError = failed(await h.open(renamed, { name: 'joined.db', set: 'renamed' }))
  expect(renamedError).toMatchObject({ className: 'HistoryMismatchError', code: 'HISTORY_MISMATCH', fields: { version: 3 } })
  expect(renamedError.message).toContain('add_done_renamed')
  // Accepting the edit works as it does for a lone open; the owner was never disturbed.
  expect(ok(await h.open(edited, { name: 'joined.db', set: 'edited', options: { acceptEditedMigrations: [3] } }))).toMatchObject({
    servedBy: 'another-tab',
  })
  expect(await titles(edited, 'joined.db')).toEqual(['kept'])

  // The errors are exactly a lone open's.
  ok(await h.close(owner, 'joined.db'))
  ok(await h.close(edited, 'joined.db'))
  expect(failed(await h.open(renamed, { name: 'joined.db', set: 'renamed' })).message).toBe(renamedError.message)
  expect(failed(await h.open(owner, { name: 'joined.db', set: 'edited' })).message).toBe(editedError.message)
})

test('a failed owner keeps the database until the waiting tabs took its error: nobody runs the failing upgrade again', async ({
  context,
}) => {
  const setup = await openApp(context)
  ok(await h.open(setup, { name: 'order.db', set: 'v2' }))
  ok(await h.close(setup, 'order.db'))
  await setup.evaluate(() => window.harness.watchOwnerLock('order.db'))

  const [x, w] = await Promise.all([openApp(context), openApp(context)])
  const errors = (await Promise.all([h.open(x, { name: 'order.db', set: 'fail' }), h.open(w, { name: 'order.db', set: 'fail' })])).map(
    failed,
  )
  for (const error of errors) expect(error).toMatchObject({ code: 'MIGRATION_FAILED', fields: { details: { version: 6 } } })
  const seen = await setup.evaluate(() => window.harness.ownerLockWatch)
  // One tab took the lock and failed; it still held the lock when it said so, and the other never took it.
  expect(seen.openings).toHaveLength(1)
  expect(seen.heldAtFailure).toEqual([true])
})

test('a newer-code tab whose takeover failed does not hold the older tabs back, and same-code tabs take its error', async ({ context }) => {
  const setup = await openApp(context)
  ok(await h.open(setup, { name: 'defer.db', set: 'v2' }))
  ok(await h.close(setup, 'defer.db'))
  // The owner knows migration 6 but does not apply it; two tabs whose migration 6 fails and an older tab follow it.
  const [owner, newer, newer2, older] = await Promise.all([openApp(context), openApp(context), openApp(context), openApp(context)])
  ok(await h.open(owner, { name: 'defer.db', set: 'slow', options: { autoMigrate: false } }))
  expect(ok(await h.open(newer, { name: 'defer.db', set: 'fail' }))).toMatchObject({ servedBy: 'another-tab', version: 5 })
  ok(await h.open(newer2, { name: 'defer.db', set: 'fail' }))
  ok(await h.open(older, { name: 'defer.db', set: 'v2', options: { ownerTimeoutMs: 20_000 } }))
  ok(await h.exec(older, 'defer.db', `INSERT INTO notes (title) VALUES ('kept')`))

  // The owner closes: a newer tab takes over, its upgrade to 6 fails and is undone; the older tab then serves.
  await owner.close()
  expect(await titles(older, 'defer.db')).toEqual(['kept'])
  for (const tab of [newer, newer2]) expect(failed(await h.query(tab, 'defer.db', 'SELECT 1'))).toMatchObject({ code: 'MIGRATION_FAILED' })
  const status = ok(await h.status(older, 'defer.db'))
  expect(status).toMatchObject({ version: 5, tabs: { isOwner: true } })
  // The failing upgrade ran once: one snapshot for it.
  expect(status.snapshots.filter((s) => s.reason === 'upgrade' && s.toVersion === 6)).toHaveLength(1)
})

/**
 * An owner whose connection is closed: its restore of a 1.2 MB snapshot failed for lack of room (Chromium enforces the
 * quota override on OPFS writes only), so its calls are RECOVERY_PENDING until the database is reopened.
 */
async function ownerAfterFailedRestore(page: Page, name: string, set: string) {
  ok(await h.open(page, { name, set }))
  ok(await h.exec(page, name, `INSERT INTO notes (title, body) SELECT 'n' || value, zeroblob(200000) FROM json_each('[1,2,3,4,5,6]')`))
  const wanted = ok(await h.query(page, name, 'SELECT title, length(body) AS n FROM notes ORDER BY id'))
  const big = ok(await page.evaluate((n) => window.harness.snapshot(n), name))
  ok(await h.exec(page, name, 'DELETE FROM notes'))
  ok(await h.exec(page, name, 'VACUUM'))
  const unlimit = await limitQuota(page, 100_000)
  expect(failed(await page.evaluate(([n, id]) => window.harness.restore(n, id), [name, big.id] as const))).toMatchObject({
    code: 'RESTORE_FAILED',
  })
  await unlimit()
  return { wanted, big }
}

// ownerTimeoutMs only bounds how long a broken owner makes these tests wait for it; a working one answers at once.
const recoveryPending = { className: 'RecoveryPendingError', code: 'RECOVERY_PENDING' }

test('an owner whose restore failed keeps serving when a tab joins: its calls stay RECOVERY_PENDING, and a reopen recovers', async ({
  context,
}) => {
  const owner = await openApp(context)
  const { wanted, big } = await ownerAfterFailedRestore(owner, 'closed.db', 'v2')
  // A tab with the same code joins: the owner answers its hello although its connection is closed.
  const joining = await openApp(context)
  expect(ok(await h.open(joining, { name: 'closed.db', set: 'v2', options: { ownerTimeoutMs: 20_000 } }))).toMatchObject({
    servedBy: 'another-tab',
  })
  expect(failed(await h.query(joining, 'closed.db', 'SELECT count(*) FROM notes'))).toMatchObject(recoveryPending)
  ok(await h.close(joining, 'closed.db'))
  // Was: the hello threw in the owner's worker, and its page took the worker for dead (WORKER_DIED) while it ran on.
  expect(failed(await h.query(owner, 'closed.db', 'SELECT count(*) FROM notes'))).toMatchObject(recoveryPending)
  ok(await h.close(owner, 'closed.db'))
  expect(ok(await h.open(owner, { name: 'closed.db', set: 'v2' })).recoveredFrom).toMatchObject({ id: big.id })
  expect(ok(await h.query(owner, 'closed.db', 'SELECT title, length(body) AS n FROM notes ORDER BY id'))).toEqual(wanted)
})

test('an owner whose restore failed hands over to a newer-code tab, which recovers the file and upgrades it', async ({ context }) => {
  const owner = await openApp(context)
  const { wanted, big } = await ownerAfterFailedRestore(owner, 'handover.db', 'v1')
  // Was: reading the version for the versionchange threw after the owner began releasing: it never let go.
  const newer = await openApp(context)
  const opened = ok(await h.open(newer, { name: 'handover.db', set: 'v2', options: { ownerTimeoutMs: 20_000 } }))
  expect(opened).toMatchObject({ servedBy: 'this-tab', version: 5, recoveredFrom: { id: big.id } })
  expect(ok(await h.query(newer, 'handover.db', 'SELECT title, length(body) AS n FROM notes ORDER BY id'))).toEqual(wanted)
  expect(await versionChanges(owner)).toMatchObject([{ reason: 'newer-tab', knownVersion: 2, newVersion: 5 }])
})

test('a worker with an uncaught error is terminated: the page sees WORKER_DIED, and the next open owns the database', async ({
  context,
}) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'uncaught.db', set: 'v2' }))
  ok(await h.exec(page, 'uncaught.db', `INSERT INTO notes (title) VALUES ('kept')`))
  ok(await h.query(page, 'uncaught.db', 'SELECT throw_uncaught()'))
  await expect.poll(async () => (await h.query(page, 'uncaught.db', 'SELECT 1')).ok === false || 'still answering').toBe(true)
  expect(failed(await h.query(page, 'uncaught.db', 'SELECT 1'))).toMatchObject({ code: 'WORKER_DIED' })
  ok(await h.close(page, 'uncaught.db'))
  // Was: the worker ran on, holding the owner lock and the file, and the reopen followed it instead of owning.
  expect(ok(await h.open(page, { name: 'uncaught.db', set: 'v2' }))).toMatchObject({ servedBy: 'this-tab' })
  expect(ok(await h.query(page, 'uncaught.db', 'SELECT title FROM notes'))).toEqual([{ title: 'kept' }])
})
