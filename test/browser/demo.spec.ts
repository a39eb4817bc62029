import { readFile, writeFile } from 'node:fs/promises'

import { expect, type Page, test as base } from '@playwright/test'

// The inspector as `npm run demo` serves it (production build + vite preview, see playwright.config.ts). Each test
// gets a fresh browser context, so a fresh OPFS and IndexedDB. Screenshots of the main states go to test-results/.
const DEMO = `http://127.0.0.1:${process.env.DEMO_PORT ?? 5197}/`

const test = base.extend<{ errors: string[] }>({
  errors: async ({ page }, use) => {
    const errors: string[] = []
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
    page.on('pageerror', (error) => errors.push(error.message))
    await use(errors)
    // "No console errors" is part of the page's quality bar, in every state the tests reach.
    expect(errors).toEqual([])
  },
})

/** Opens the inspector with a query string and waits until it has opened (or failed to open) the database. */
async function visit(page: Page, query = '') {
  await page.goto(`${DEMO}${query}`)
  await page.waitForFunction(() => document.body.dataset.ready === 'true')
}

/** Records every text the status line shows (progress steps come and go quickly). */
async function recordSteps(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { steps: string[] }
    w.steps = []
    document.addEventListener('DOMContentLoaded', () => {
      const step = document.getElementById('step')!
      new MutationObserver(() => w.steps.push(step.textContent ?? '')).observe(step, {
        childList: true,
        characterData: true,
        subtree: true,
      })
    })
  })
  return () => page.evaluate(() => (window as unknown as { steps: string[] }).steps)
}

const notes = (page: Page) => page.locator('#notes li').allTextContents()
const fact = (page: Page, name: string) => page.locator(`#failure-facts dd[data-fact="${name}"]`)

async function addNote(page: Page, title: string) {
  await page.fill('#title', title)
  await page.press('#title', 'Enter')
  await expect(page.locator('#notes li').first()).toHaveText(new RegExp(`^${title.replace(/[#?]/g, '\\$&')}`))
}

test('app v1 → v2: a real upgrade with progress, history, the backfill and its snapshot', async ({ page, errors }) => {
  const steps = await recordSteps(page)
  await visit(page, '?app=v1')
  await expect(page.locator('#state')).toHaveText('up to date')
  await expect(page.locator('#version')).toHaveText('3')
  await expect(page.locator('#latest')).toHaveText('3')
  await expect(page.locator('#history tr')).toHaveCount(3)
  await addNote(page, 'Water the #garden')
  // App v1 does not tag notes.
  await expect.poll(() => notes(page)).toEqual(['Water the #garden'])
  await page.screenshot({ path: 'test-results/inspector-v1.png', fullPage: true })

  await visit(page, '?app=v2')
  await expect(page.locator('#state')).toHaveText('up to date')
  await expect(page.locator('#version')).toHaveText('5')
  await expect(page.locator('#history tr')).toHaveCount(5)
  await expect(page.locator('#history tr').nth(4)).toContainText('backfill_tags_from_hashtags')
  await expect(page.locator('#step')).toHaveText('Upgraded: applied 4, 5')
  // Migration 5's backfill tagged the note app v1 wrote.
  await expect.poll(() => notes(page)).toEqual(['Water the #garden — tags: garden'])
  await expect(page.locator('#snapshots tr[data-reason="upgrade"]')).toHaveCount(2)
  await expect(page.locator('#snapshots tr[data-reason="upgrade"][data-from="3"] td').nth(2)).toHaveText('3 → 5')
  await expect(page.locator('#snapshots tr[data-reason="upgrade"][data-from="0"] td').nth(2)).toHaveText('0 → 3')
  await expect(page.locator('#pending')).toContainText('None')
  await expect(page.locator('#failure')).toBeHidden()
  const seen = await steps()
  for (const expected of [
    /^Checking storage/,
    /^Snapshot saved/,
    /^Migration 1 of 2: 4 rebuild_notes_with_updated_at$/,
    /^Migration 2 of 2 done: 5 backfill/,
    /^Verification \(quick_check\): ok$/,
  ])
    expect(
      seen.some((s) => expected.test(s)),
      `status line showed ${expected}: ${JSON.stringify(seen)}`,
    ).toBe(true)
  await expect(page.locator('#progress')).toHaveJSProperty('value', 1)
  await page.screenshot({ path: 'test-results/inspector-v2-upgraded.png', fullPage: true })
  expect(errors).toEqual([])
})

test('a failing migration: the error panel names it, the database is back at v3 with its data, and a later good upgrade clears it', async ({
  page,
}) => {
  const steps = await recordSteps(page)
  await visit(page, '?app=v1')
  await addNote(page, 'Buy #milk')
  await addNote(page, 'Call Ann')
  const before = await notes(page)

  await visit(page, '?app=v2&fail=5')
  await expect(page.locator('#state')).toHaveText('failed and restored')
  await expect(fact(page, 'Error')).toHaveText('MigrationFailedError [MIGRATION_FAILED]')
  await expect(fact(page, 'Migration')).toHaveText('5 backfill_tags_from_hashtags')
  await expect(fact(page, 'Upgrade')).toHaveText('3 → 5 (failed during migration)')
  await expect(fact(page, 'Restored')).toHaveText(/^to version 3 from snapshot \S+-v3-/)
  await expect(page.locator('#failure-body')).toContainText('injected by ?fail=5')
  await expect(page.locator('#version')).toHaveText('3')
  await expect(page.locator('#pending details')).toHaveCount(2)
  await expect.poll(() => notes(page)).toEqual(before)
  expect(
    (await steps()).some(
      (s) => /^Restoring from snapshot \(upgrade-failed\)/.test(s) || /^Restored from snapshot \(upgrade-failed\)/.test(s),
    ),
  ).toBe(true)
  await page.screenshot({ path: 'test-results/inspector-failed-and-restored.png', fullPage: true })

  // A SQL migration failing: the statement and SQLite's code are shown, and the pending SQL is viewable.
  await visit(page, '?app=v2&fail=4')
  await expect(page.locator('#state')).toHaveText('failed and restored')
  await expect(fact(page, 'SQLite code')).toHaveText('1299')
  await expect(page.locator('#failure-statement')).toHaveText('INSERT INTO notes (title) VALUES (NULL);')
  await page.locator('#pending details[data-version="4"] summary').click()
  await expect(page.locator('#pending details[data-version="4"] pre')).toContainText('CREATE TABLE notes_new')
  await expect.poll(() => notes(page)).toEqual(before)

  // The last failure is kept across reloads until an upgrade succeeds.
  await visit(page, '?app=v2')
  await expect(page.locator('#state')).toHaveText('up to date')
  await expect(page.locator('#failure')).toBeHidden()
  await expect.poll(() => notes(page)).toEqual(['Call Ann', 'Buy #milk — tags: milk'])
})

test('dry run of a failing upgrade: each step on an in-memory copy, the failing one named, the file untouched', async ({ page }) => {
  await visit(page, '?app=v1')
  await addNote(page, 'Plant #tomatoes')
  await visit(page, '?app=v2&fail=5')
  await expect(page.locator('#state')).toHaveText('failed and restored')
  const size = await page.locator('#size').textContent()
  const schema = await page.locator('#schema').textContent()

  await page.click('#dry-run')
  const report = page.locator('#dry-run-report')
  await expect(report).toContainText('the upgrade would fail')
  await expect(report.locator('[data-outcome]')).toHaveText(['applied', 'failed'])
  await expect(report).toContainText('injected by ?fail=5')
  await expect(page.locator('#version')).toHaveText('3')
  await expect(page.locator('#size')).toHaveText(size!)
  await expect(page.locator('#schema')).toHaveText(schema!)
  await expect.poll(() => notes(page)).toEqual(['Plant #tomatoes'])
  await page.screenshot({ path: 'test-results/inspector-dry-run-failing.png', fullPage: true })
})

test('dry run of a good upgrade: every step applied, and the schema it would leave', async ({ page }) => {
  await visit(page, '?app=v1')
  await addNote(page, 'Read #books')
  await visit(page, '?app=v2')
  // Back to version 3 through the upgrade's snapshot, so app v2 has two migrations pending.
  page.once('dialog', (dialog) => dialog.accept())
  await page.locator('#snapshots tr[data-reason="upgrade"][data-from="3"] button', { hasText: 'Restore' }).click()
  await expect(page.locator('#version')).toHaveText('3')

  await page.click('#dry-run')
  const report = page.locator('#dry-run-report')
  await expect(report).toContainText('every migration applies; 3 → 5')
  await expect(report.locator('[data-outcome]')).toHaveText(['applied', 'applied'])
  await expect(report).toContainText('quick_check: ok')
  await report.locator('details summary').first().click()
  const notesAfter = report.locator('details[open] [data-table="notes"]')
  await notesAfter.locator('summary').click()
  await expect(notesAfter.locator('tbody td:first-child')).toContainText(['updated_at'])
  // The live schema has not changed: no updated_at yet, still version 3.
  await expect(page.locator('#schema details[data-table="notes"] summary')).toHaveText('notes — 1 row, 5 columns')
  await expect(page.locator('#version')).toHaveText('3')
  await page.screenshot({ path: 'test-results/inspector-dry-run.png', fullPage: true })
})

test('restore a snapshot (confirmed), run pending migrations, download and delete snapshots', async ({ page }) => {
  await visit(page, '?app=v1')
  await addNote(page, 'Before the upgrade')
  await visit(page, '?app=v2')
  await addNote(page, 'After the upgrade')

  page.once('dialog', (dialog) => dialog.accept())
  await page.locator('#snapshots tr[data-reason="upgrade"][data-from="3"] button', { hasText: 'Restore' }).click()
  await expect(page.locator('#snapshot-result')).toContainText('the database is at version 3')
  await expect(page.locator('#version')).toHaveText('3')
  await expect(page.locator('#state')).toHaveText('pending')
  await expect.poll(() => notes(page)).toEqual(['Before the upgrade'])
  await expect(page.locator('#snapshots tr[data-reason="before-restore"]')).toHaveCount(1)
  await page.screenshot({ path: 'test-results/inspector-restored.png', fullPage: true })

  // Dismissing the confirmation restores nothing.
  page.once('dialog', (dialog) => dialog.dismiss())
  await page.locator('#snapshots tr[data-reason="before-restore"] button', { hasText: 'Restore' }).click()
  await expect(page.locator('#version')).toHaveText('3')

  await page.click('#migrate')
  await expect(page.locator('#state')).toHaveText('up to date')
  await expect(page.locator('#version')).toHaveText('5')

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#snapshots tr[data-reason="before-restore"] button', { hasText: 'Download' }).click(),
  ])
  expect(download.suggestedFilename()).toMatch(/^app\.db-v5-.+\.sqlite$/)
  const bytes = await readFile((await download.path())!)
  expect(bytes.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0')

  const count = await page.locator('#snapshots tr').count()
  page.once('dialog', (dialog) => dialog.accept())
  await page.locator('#snapshots tr[data-reason="before-restore"] button', { hasText: 'Delete' }).click()
  await expect(page.locator('#snapshots tr')).toHaveCount(count - 1)
  await expect(page.locator('#snapshots tr[data-reason="before-restore"]')).toHaveCount(0)
})

test('export, then import: a good file replaces the database (undoable); corrupt and foreign files are refused, the database unchanged', async ({
  page,
}, testInfo) => {
  await visit(page, '?app=v2')
  await addNote(page, 'Exported #one')
  const [exported] = await Promise.all([page.waitForEvent('download'), page.click('#export')])
  expect(exported.suggestedFilename()).toBe('app.sqlite')
  const good = testInfo.outputPath('app.sqlite')
  await exported.saveAs(good)
  await addNote(page, 'Added after the export')
  const current = await notes(page)

  const refuse = async (name: string, content: Buffer, reason: RegExp) => {
    const path = testInfo.outputPath(name)
    await writeFile(path, content)
    await page.setInputFiles('#import-file', path)
    await page.click('#import')
    await expect(page.locator('#file-result .error')).toHaveText(reason)
    await expect.poll(() => notes(page)).toEqual(current)
    await expect(page.locator('#version')).toHaveText('5')
  }
  const original = await readFile(good)
  await refuse('notes.csv', Buffer.from('id,title\n1,hello\n'.repeat(50)), /INVALID_DATABASE_FILE.*not an SQLite database/)
  await refuse('truncated.sqlite', original.subarray(0, original.length - 1000), /INVALID_DATABASE_FILE.*truncated/)
  const scrambled = Buffer.from(original)
  for (let i = 4096; i < scrambled.length; i++) scrambled[i] = (i * 7919) & 0xff
  await refuse('scrambled.sqlite', scrambled, /INVALID_DATABASE_FILE/)
  await page.screenshot({ path: 'test-results/inspector-import-refused.png', fullPage: true })

  await page.setInputFiles('#import-file', [])
  await page.click('#import')
  await expect(page.locator('#file-result .error')).toHaveText('Choose a .sqlite file first.')

  await page.setInputFiles('#import-file', good)
  await page.click('#import')
  await expect(page.locator('#file-result')).toContainText('Imported app.sqlite: the database is now at version 5')
  await expect.poll(() => notes(page)).toEqual(['Exported #one — tags: one'])
  await expect(page.locator('#snapshots tr[data-reason="before-import"]')).toHaveCount(1)
  await expect(page.locator('#snapshots tr[data-reason="import"]')).toHaveCount(1)

  // Undo: restore the before-import snapshot.
  page.once('dialog', (dialog) => dialog.accept())
  await page.locator('#snapshots tr[data-reason="before-import"] button', { hasText: 'Restore' }).click()
  await expect.poll(() => notes(page)).toEqual(current)
})

test('integrity check reports a sound file, then a foreign-key violation made in the SQL console', async ({ page }) => {
  await visit(page, '?app=v2')
  await page.click('#integrity')
  await expect(page.locator('#integrity-report')).toContainText('Sound: integrity_check ok; foreign_key_check 0 violation(s)')

  await page.fill('#sql', 'PRAGMA foreign_keys = OFF')
  await page.press('#sql', 'Control+Enter')
  await expect(page.locator('#console-result')).toContainText('no rows returned')
  await page.fill('#sql', 'INSERT INTO note_tags (note_id, tag_id) VALUES (41, 42)')
  await page.click('#console button[type="submit"]')
  await expect(page.locator('#console-result')).toContainText('no rows returned')
  await page.click('#integrity')
  await expect(page.locator('#integrity-report')).toContainText('Problems found')
  // Both of the row's foreign keys point nowhere: one violation each (a WITHOUT ROWID table has no rowid to show).
  await expect(page.locator('#integrity-report table tbody tr')).toHaveCount(2)
  const violations = await page.locator('#integrity-report table tbody tr').evaluateAll((rows) => rows.map((r) => r.textContent).sort())
  expect(violations).toEqual(['note_tags–notes', 'note_tags–tags'])
})

test('the Database panel says whether the schema is what the migrations left, and when the SQL console changed it', async ({ page }) => {
  await visit(page, '?app=v2')
  await expect(page.locator('#schema-state')).toHaveText('as migration 5 left it')
  await page.fill('#sql', 'CREATE INDEX by_hand ON notes (title)')
  await page.press('#sql', 'Control+Enter')
  await expect(page.locator('#console-result')).toContainText('no rows returned')
  await expect(page.locator('#schema-state')).toHaveText('changed outside the migrations (not what migration 5 left)')
  await expect(page.locator('#schema-state')).toHaveAttribute('data-state', 'changed')
})

test('SQL console shows results as a table and errors inline; the schema browser shows tables, columns and counts', async ({ page }) => {
  await visit(page, '?app=v2')
  await addNote(page, 'One #a')
  await addNote(page, 'Two #b')
  await page.fill('#sql', 'SELECT title, length(title) AS len FROM notes ORDER BY id')
  await page.press('#sql', 'Control+Enter')
  await expect(page.locator('#console-result')).toContainText('2 rows')
  await expect(page.locator('#console-result thead th')).toHaveText(['title', 'len'])
  await expect(page.locator('#console-result tbody tr').first().locator('td')).toHaveText(['One #a', '6'])

  await page.fill('#sql', 'SELEC nonsense')
  await page.press('#sql', 'Control+Enter')
  await expect(page.locator('#console-result .error')).toHaveText(/^SqliteError \[SQLITE_ERROR\]: .*syntax error/)

  const notesTable = page.locator('#schema details[data-table="notes"]')
  await expect(notesTable.locator('summary')).toHaveText('notes — 2 rows, 6 columns')
  await notesTable.locator('summary').click()
  await expect(notesTable.locator('tbody td:first-child')).toHaveText(['id', 'title', 'body', 'created_at', 'updated_at', 'done'])
  await expect(notesTable).toContainText('index notes_open')
  await expect(page.locator('#schema details[data-table="tags"] summary')).toHaveText('tags — 2 rows, 2 columns')
  await expect(page.locator('#schema details[data-table="schema_migrations"] summary')).toContainText('5 rows')
  await page.screenshot({ path: 'test-results/inspector-console-schema.png', fullPage: true })
})

test('too new: app v1 meets a v5 database, refuses it untouched, and says what to do', async ({ page }) => {
  await visit(page, '?app=v2')
  await addNote(page, 'Made by #v2')
  await visit(page, '?app=v1')
  await expect(page.locator('#state')).toHaveText('too new')
  await expect(page.locator('#open-error')).toContainText('DatabaseTooNewError [DATABASE_TOO_NEW]')
  await expect(page.locator('#failure-body')).toContainText('Open the newer app version (v2)')
  await expect(page.locator('#take-snapshot')).toBeDisabled()
  await page.screenshot({ path: 'test-results/inspector-too-new.png', fullPage: true })
  await visit(page, '?app=v2')
  await expect.poll(() => notes(page)).toEqual(['Made by #v2 — tags: v2'])
})

test('storage: usage, quota and persistence are shown; asking to persist reports the answer', async ({ page }) => {
  await visit(page, '?app=v2')
  await expect(page.locator('#usage')).toHaveText(/^\d.* of \d.* quota \(\d+\.\d\d %\)$/)
  const persisted = await page.evaluate(() => navigator.storage.persisted())
  await expect(page.locator('#persisted')).toHaveText(persisted ? /^yes/ : /^no/)
  // The button is offered exactly when storage is not persistent yet; its answer is the browser's.
  await expect(page.locator('#persist')).toBeVisible({ visible: !persisted })
  if (!persisted) {
    await page.click('#persist')
    const granted = await page.evaluate(() => navigator.storage.persisted())
    await expect(page.locator('#step')).toHaveText(
      granted ? 'Storage is now persistent' : 'The browser declined to make storage persistent',
    )
    await expect(page.locator('#persist')).toBeVisible({ visible: !granted })
  }
})

test('works offline after the first load', async ({ page, context }) => {
  await visit(page, '?app=v2')
  await addNote(page, 'Written #online')
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
  await context.setOffline(true)
  try {
    await visit(page, '?app=v2')
    await expect(page.locator('#state')).toHaveText('up to date')
    await expect.poll(() => notes(page)).toEqual(['Written #online — tags: online'])
    await addNote(page, 'Written #offline')
  } finally {
    await context.setOffline(false)
  }
})

test('phone width and keyboard only: no sideways scrolling, every action reachable with Tab and Enter', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 })
  await visit(page, '?app=v2')
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
  await page.screenshot({ path: 'test-results/inspector-phone.png', fullPage: true })

  // Tab from the top of the page to "Take snapshot" and press Enter.
  await page.keyboard.press('Tab')
  let reached = false
  for (let i = 0; i < 40 && !reached; i++) {
    reached = await page.evaluate(() => document.activeElement?.id === 'take-snapshot')
    if (!reached) await page.keyboard.press('Tab')
  }
  expect(reached).toBe(true)
  const before = await page.locator('#snapshots tr').count()
  await page.keyboard.press('Enter')
  await expect(page.locator('#snapshots tr')).toHaveCount(before + 1)
  // Pending SQL and schema tables open with the keyboard too (details/summary).
  const summary = page.locator('#schema details[data-table="notes"] summary')
  await summary.focus()
  await page.keyboard.press('Enter')
  await expect(page.locator('#schema details[data-table="notes"]')).toHaveAttribute('open', '')
})

test('a refresh keeps what the person opened: open details, focus, a half-typed query, a pressed button', async ({ page }) => {
  await visit(page, '?app=v2')
  const renders = () => page.evaluate(() => Number(document.body.dataset.renders ?? 0))
  const notesTable = page.locator('#schema details[data-table="notes"]')
  await page.fill('#sql', 'SELECT title FROM no')
  await page.locator('#schema details[data-table="notes"] summary').focus()
  await page.keyboard.press('Enter')
  await expect(notesTable).toHaveAttribute('open', '')

  // A refresh from elsewhere (another tab's change shown on focus): the panels are rebuilt from fresh data.
  const before = await renders()
  await page.evaluate(() => window.dispatchEvent(new Event('focus')))
  await expect.poll(renders).toBeGreaterThan(before)
  await expect(notesTable).toHaveAttribute('open', '')
  expect(await page.evaluate(() => document.activeElement?.closest('details')?.dataset.table)).toBe('notes')
  await expect(page.locator('#sql')).toHaveValue('SELECT title FROM no')

  // A button pressed from the keyboard keeps the focus through its action and the refresh after it.
  await page.locator('#take-snapshot').focus()
  const rows = await page.locator('#snapshots tr').count()
  const afterSnapshot = await renders()
  await page.keyboard.press('Enter')
  await expect(page.locator('#snapshots tr')).toHaveCount(rows + 1)
  await expect.poll(renders).toBeGreaterThan(afterSnapshot)
  await expect(page.locator('#take-snapshot')).toBeFocused()
  await expect(notesTable).toHaveAttribute('open', '')
})

test('a second tab is served by the first, and a tab with the newer app takes over from a v1 tab', async ({ page, context }) => {
  await visit(page, '?app=v1')
  await expect(page.locator('#tabs')).toHaveText('this tab owns the file; 1 tab connected')
  await addNote(page, 'Written in #v1')

  const second = await context.newPage()
  await visit(second, '?app=v1')
  await expect(second.locator('#state')).toHaveText('up to date')
  await expect(second.locator('#tabs')).toContainText('served by another tab')
  await expect(second.locator('#tabs')).toContainText('2 tabs connected')
  await expect.poll(() => second.locator('#notes li').allTextContents()).toEqual([expect.stringContaining('Written in #v1')])
  await addNote(second, 'From the second tab')

  // The newer app opens: it takes over and upgrades once; both v1 tabs are told to reload.
  const newer = await context.newPage()
  await visit(newer, '?app=v2')
  await expect(newer.locator('#version')).toHaveText('5')
  await expect(newer.locator('#tabs')).toHaveText('this tab owns the file; 3 tabs connected')
  await expect.poll(() => newer.locator('#notes li').count()).toBe(2)
  for (const old of [page, second]) {
    await expect(old.locator('#version-banner')).toContainText('A newer version of this app (migrations up to 5)')
    await expect(old.locator('#state')).toHaveText('too new')
  }
  const snapshots = newer.locator('#snapshots tr[data-reason="upgrade"][data-from="3"]')
  await expect(snapshots).toHaveCount(1)
})
