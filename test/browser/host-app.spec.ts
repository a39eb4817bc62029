import { expect, failed, h, ok, openApp, test } from './fixtures'

// The library lives inside someone else's app: using it must change none of the app's globals or objects. Its own
// typed errors still cross from the worker with their class, code and fields (see failure.spec.ts for more).

test("the app's own Comlink worker keeps Comlink's plain errors both ways, before and after a database is opened", async ({ context }) => {
  const page = await openApp(context)
  const plain = (name: string, message: string, code: string | null = null) => ({
    isPlainError: true,
    ownProperties: ['message', 'name', 'stack'],
    name,
    message,
    hasStack: true,
    code,
  })
  // What Comlink does on its own: name, message and stack cross; the class and `code` do not.
  const untouched = {
    toPage: plain('AppError', 'the app worker failed'),
    toWorker: plain('PageError', 'the page failed'),
    sameThrowHandler: true,
  }
  expect(await page.evaluate(() => window.harness.appComlink())).toEqual(untouched)

  ok(await h.open(page, { name: 'host.db', set: 'v2' }))
  // The library's errors still arrive typed, with their fields...
  const error = failed(await h.query(page, 'host.db', 'SELECT nope FROM notes'))
  expect(error).toMatchObject({
    isLibraryError: true,
    className: 'SqliteError',
    name: 'SqliteError',
    code: 'SQLITE_ERROR',
    fields: { sqliteCode: 1, sql: 'SELECT nope FROM notes' },
  })
  // ...and the app's still cross as Comlink makes them (a replaced global `throw` handler changes their shape).
  expect(await page.evaluate(() => window.harness.appComlink())).toEqual(untouched)
  // The Worker the app's factory made is not patched.
  expect(await page.evaluate(() => window.harness.workerUntouched('host.db'))).toBe(true)
  ok(await h.close(page, 'host.db'))
  expect(await page.evaluate(() => window.harness.appComlink())).toEqual(untouched)
})

test('the app terminates the database worker itself: the call in flight and later calls reject with WORKER_DIED', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'own-terminate.db', set: 'v2' }))
  const inFlight = await page.evaluate(() => {
    const call = window.harness.query(
      'own-terminate.db',
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000) SELECT count(*) FROM n`,
    )
    window.harness.terminate('own-terminate.db')
    return call
  })
  expect(failed(inFlight)).toMatchObject({ code: 'WORKER_DIED', className: 'DatabaseClosedError' })
  expect(failed(await h.query(page, 'own-terminate.db', 'SELECT 1')).code).toBe('WORKER_DIED')
  expect(await page.evaluate(() => window.harness.workerUntouched('own-terminate.db'))).toBe(true)
  // The database is free again: the next open gets it.
  ok(await h.open(page, { name: 'own-terminate.db', set: 'v2' }))
})

test('the app terminates the database worker before it ran at all: the open rejects with WORKER_DIED, not hangs', async ({ context }) => {
  const page = await openApp(context)
  // Nothing can tell a worker still loading from one terminated before it ran, but a timer: fast-forward it.
  await page.clock.install()
  // Started (and its timer set) before the clock moves: the evaluate returns once openDatabase reached its first await.
  await page.evaluate(() => {
    ;(window as unknown as { opening: unknown }).opening = window.harness.open({
      name: 'never-started.db',
      set: 'v2',
      terminateAtStart: true,
    })
  })
  await page.clock.runFor(61_000)
  const error = failed(await page.evaluate(() => (window as unknown as { opening: ReturnType<Window['harness']['open']> }).opening))
  expect(error).toMatchObject({ code: 'WORKER_DIED', className: 'DatabaseClosedError' })
  expect(error.message).toContain('did not start')
})

test("the app's own sqlite-wasm settings in the worker are left as they were (or absent)", async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'config.db', workerParams: { appConfig: '1' } }))
  expect(ok(await h.query(page, 'config.db', 'SELECT app_config() AS c'))).toEqual([
    { c: JSON.stringify({ custom: 'kept', disable: { vfs: { kvvfs: true } } }) },
  ])
  ok(await h.open(page, { name: 'plain.db' }))
  expect(ok(await h.query(page, 'plain.db', 'SELECT app_config() AS c'))).toEqual([{ c: 'absent' }])
})
