import { mkdirSync, writeFileSync } from 'node:fs'

import type { BrowserContext, Page } from '@playwright/test'

import { h, ok, openApp, test } from '../test/browser/fixtures'

// Multi-tab figures: a follower's call against the owner's own call (same database, same run), and how long the
// database is unavailable when the owner tab closes, crashes or is frozen (until a follower's write is answered).

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const CALLS = 300
const SWITCHES = Number(process.env.SWITCHES ?? 10)

const round = (value: number) => Math.round(value * 100) / 100
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const medianCall = (page: Page, name: string, kind: 'query' | 'exec', count: number) =>
  page.evaluate(
    async ([n, k, c]) => {
      const db = window.harness.handle(n)
      const times: number[] = []
      for (let i = 0; i < c; i++) {
        const started = performance.now()
        if (k === 'query') await db.query('SELECT id, title FROM notes WHERE id = ?', [i % 50])
        else await db.exec('UPDATE notes SET body = ? WHERE id = ?', [String(i), (i % 50) + 1])
        times.push(performance.now() - started)
      }
      times.sort((a, b) => a - b)
      return times[Math.floor(times.length / 2)]!
    },
    [name, kind, count] as const,
  )

async function twoTabs(context: BrowserContext, name: string) {
  const [owner, follower] = [await openApp(context), await openApp(context)]
  ok(await h.open(owner, { name, set: 'v2' }))
  ok(await h.open(follower, { name, set: 'v2' }))
  ok(
    await h.exec(
      owner,
      name,
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) INSERT INTO notes (title) SELECT 'note ' || i FROM n`,
    ),
  )
  return { owner, follower }
}

const figures: Record<string, unknown> = {}

test('follower call overhead', async ({ browser }) => {
  const rows: Record<string, { owner: number[]; follower: number[] }> = {
    query: { owner: [], follower: [] },
    exec: { owner: [], follower: [] },
  }
  for (let round = 0; round < ROUNDS; round++) {
    const context = await browser.newContext()
    const { owner, follower } = await twoTabs(context, 'bench.db')
    for (const kind of ['query', 'exec'] as const) {
      await medianCall(owner, 'bench.db', kind, 30) // warm-up
      await medianCall(follower, 'bench.db', kind, 30)
      rows[kind]!.owner.push(await medianCall(owner, 'bench.db', kind, CALLS))
      rows[kind]!.follower.push(await medianCall(follower, 'bench.db', kind, CALLS))
    }
    await context.close()
  }
  for (const [kind, { owner, follower }] of Object.entries(rows)) {
    const o = median(owner)
    const f = median(follower)
    figures[`${kind}: owner vs follower (ms, median of ${ROUNDS} runs × ${CALLS} calls)`] = {
      owner: round(o),
      follower: round(f),
      ratio: round(f / o),
      plusMs: round(f - o),
    }
  }
})

for (const how of ['closed', 'crashed', 'frozen'] as const) {
  test(`failover when the owner tab is ${how}`, async ({ browser }) => {
    const gaps: number[] = []
    for (let i = 0; i < SWITCHES; i++) {
      const context = await browser.newContext()
      const { owner, follower } = await twoTabs(context, 'failover.db')
      // The follower writes in a loop; the gap is the longest time one write waited, across the switch.
      const writes = follower.evaluate(async () => {
        const db = window.harness.handle('failover.db')
        const latencies: number[] = []
        const until = performance.now() + 1500
        while (performance.now() < until) {
          const started = performance.now()
          await db.exec(`INSERT INTO notes (title) VALUES ('w')`).catch(() => {})
          latencies.push(performance.now() - started)
        }
        return latencies
      })
      await follower.waitForTimeout(300)
      if (how === 'closed') await owner.close()
      else if (how === 'crashed') await owner.evaluate(() => window.harness.terminate('failover.db'))
      else await owner.evaluate(() => document.dispatchEvent(new Event('freeze')))
      const latencies = await writes
      gaps.push(Math.max(...latencies) - median(latencies))
      await context.close()
    }
    figures[`failover, owner ${how} (ms the follower's write waited beyond a normal write; median / max of ${SWITCHES})`] = {
      median: round(median(gaps)),
      max: round(Math.max(...gaps)),
    }
  })
}

test.afterAll(() => {
  console.table(figures)
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/tabs.json', JSON.stringify({ at: new Date().toISOString(), figures }, null, 2))
})
