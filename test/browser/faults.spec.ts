import type { BrowserContext, Page } from '@playwright/test'

import type { FaultPoint } from './app/fault-points'
import { expect, failed, openApp, test } from './fixtures'
import { expectNothingLost, seeded, type Storage, upgradedReference } from './upgrade-fault-kit'

// Kill the worker (or close the whole page) at every step of an upgrade, then check that the next open finds the
// database either at the old version with every row and byte as before, or at the new version with exactly the rows a
// clean upgrade gives, never in between, and that the snapshot it may still need was kept.

/** Runs per case: `FAULT_RUNS=5 npm run test:faults` repeats each one. */
const RUNS = Number(process.env.FAULT_RUNS ?? 1)

/** How the upgrade is stopped: the worker terminated by its page, or the whole page closed (which ends its worker). */
type Kill = 'terminate worker' | 'close page'

/** Opens `name` with `set` and stops it at `point`; returns the page to carry on with. */
async function interrupt(
  context: BrowserContext,
  page: Page,
  name: string,
  set: string,
  point: FaultPoint,
  kill: Kill,
  storage: Storage = 'opfs',
): Promise<Page> {
  const args = { name, set, workerParams: { faultAt: point }, options: { storage } }
  if (kill === 'terminate worker') {
    const error = failed(await page.evaluate((a) => window.harness.open({ ...a, killAtFault: true }), args))
    expect(error.code).toBe('WORKER_DIED')
    expect(await page.evaluate(() => window.harness.faults)).toEqual([point])
    return page
  }
  void page.evaluate((a) => window.harness.open(a), args).catch(() => {})
  await page.waitForFunction((p) => window.harness.faults.includes(p), point)
  await page.close()
  return openApp(context)
}

const POINTS: FaultPoint[] = [
  'quota-check',
  'snapshot-start',
  'snapshot-partial',
  'snapshot-listed',
  'between-migrations',
  'mid-statement',
  'verify',
  'before-marker-cleared',
]

/** What the next open must do: roll the journal back (no marker yet) or restore the snapshot (marker written). */
const recovery = (point: FaultPoint) => (['quota-check', 'snapshot-start', 'snapshot-partial'].includes(point) ? 'none' : 'snapshot')

for (const [set, kills] of [
  ['faults', ['terminate worker', 'close page']],
  ['faults-notx', ['terminate worker']],
] as const)
  for (const kill of kills)
    for (const point of POINTS)
      test(`${kill} at ${point} (${set === 'faults' ? 'first step overlaps the snapshot' : 'first step outside a transaction'}): nothing lost`, async ({
        context,
      }) => {
        const after = await upgradedReference(context)
        for (let run = 0; run < RUNS; run++) {
          const name = `fault-${run}.db`
          const before = await seeded(context, name)
          const page = await interrupt(context, before.page, name, set, point, kill)
          const reopened = await expectNothingLost(page, name, before, after)
          if (recovery(point) === 'none') expect(reopened.recoveredFrom).toBeNull()
          else expect(reopened.recoveredFrom).toMatchObject({ reason: 'upgrade', fromVersion: 2, bytes: before.file.bytes })
          await page.close()
        }
      })

// The same points with the database in memory, saved to IndexedDB at every commit (storage: 'indexeddb'): the saved
// image only moves when an upgrade is done, so every kill leaves the old image, which the marker's restore rewrites.
for (const point of POINTS)
  test(`[indexeddb storage] terminate worker at ${point}: nothing lost`, async ({ context }) => {
    const after = await upgradedReference(context)
    const before = await seeded(context, 'fault-idb.db', 'indexeddb')
    const page = await interrupt(context, before.page, 'fault-idb.db', 'faults', point, 'terminate worker', 'indexeddb')
    const reopened = await expectNothingLost(page, 'fault-idb.db', before, after, 'indexeddb')
    if (recovery(point) === 'none') expect(reopened.recoveredFrom).toBeNull()
    else expect(reopened.recoveredFrom).toMatchObject({ reason: 'upgrade', fromVersion: 2, bytes: before.file.bytes })
    await page.close()
  })

for (const kill of ['terminate worker', 'close page'] as const)
  test(`${kill} during the restore after a failed migration: the next open finishes it, nothing lost`, async ({ context }) => {
    const after = await upgradedReference(context)
    const before = await seeded(context, 'fail.db')
    const page = await interrupt(context, before.page, 'fail.db', 'faults-fail', 'restore', kill)
    const reopened = await expectNothingLost(page, 'fail.db', before, after)
    expect(reopened.recoveredFrom).toMatchObject({ reason: 'upgrade', fromVersion: 2, bytes: before.file.bytes })
  })

test('killed mid-upgrade, then killed again during the recovery restore: the third open finishes it, nothing lost', async ({ context }) => {
  const after = await upgradedReference(context)
  const before = await seeded(context, 'twice.db')
  let page = await interrupt(context, before.page, 'twice.db', 'faults', 'mid-statement', 'terminate worker')
  await page.evaluate(() => window.harness.faults.splice(0))
  page = await interrupt(context, page, 'twice.db', 'faults', 'restore', 'terminate worker')
  const reopened = await expectNothingLost(page, 'twice.db', before, after)
  expect(reopened.recoveredFrom).toMatchObject({ reason: 'upgrade', fromVersion: 2, bytes: before.file.bytes })
})
