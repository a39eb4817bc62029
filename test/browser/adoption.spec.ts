import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import type { Page } from '@playwright/test'

import { expect, failed, h, ok, openApp, test } from './fixtures'

// An app that shipped hand-rolled SQLite code (tables and user_version, no schema_migrations) adopts the library.
const legacySchema = ['0001_create_notes.sql', '0002_create_tags.sql']
  .map((file) => readFileSync(join(import.meta.dirname, '../../migrations', file), 'utf8'))
  .join('\n')
const NOTES = `SELECT id, title, body, created_at FROM notes ORDER BY id`

/** A database as the app's old code made it, in OPFS: the schema of migrations 1–2, rows, user_version 2. */
async function legacyDatabase(page: Page, name: string) {
  ok(await h.open(page, { name, set: 'none' }))
  ok(await h.exec(page, name, legacySchema))
  ok(await h.exec(page, name, `INSERT INTO notes (title, body) VALUES ('#old note', 'from before'), ('second', '')`))
  ok(await h.exec(page, name, `PRAGMA user_version = 2`))
  const rows = ok(await h.query(page, name, NOTES))
  const file = ok(await h.exportFile(page, name))
  ok(await h.close(page, name))
  return { rows, file }
}

test("baseline 'user_version' adopts a hand-made database: 1–2 recorded as baseline, 3–5 run, every row kept", async ({ context }) => {
  const page = await openApp(context)
  const legacy = await legacyDatabase(page, 'legacy.db')

  const refused = failed(await h.open(page, { name: 'legacy.db', set: 'v2' }))
  expect(refused).toMatchObject({ code: 'HISTORY_MISMATCH' })
  expect(refused.message).toMatch(/pass baseline: 'user_version'/)

  const opened = ok(await h.open(page, { name: 'legacy.db', set: 'v2', workerParams: { baseline: 'user_version' } }))
  expect(opened.version).toBe(5)
  expect(opened.appliedNow.map((r) => [r.version, r.baseline])).toEqual([
    [3, false],
    [4, false],
    [5, false],
  ])
  const status = ok(await h.status(page, 'legacy.db'))
  expect(status.applied.map((r) => [r.version, r.name, r.baseline])).toEqual([
    [1, 'create_notes', true],
    [2, 'create_tags', true],
    [3, 'add_done', false],
    [4, 'rebuild_notes_with_updated_at', false],
    [5, 'backfill_tags_from_hashtags', false],
  ])
  expect(ok(await h.query(page, 'legacy.db', NOTES))).toEqual(legacy.rows)
  // The hashtag backfill (migration 5) ran on the adopted rows.
  expect(ok(await h.query(page, 'legacy.db', 'SELECT name FROM tags'))).toEqual([{ name: 'old' }])
  // The upgrade was protected like any other: a snapshot of the hand-made file, byte for byte.
  const snapshot = status.snapshots.find((s) => s.reason === 'upgrade')!
  expect(snapshot).toMatchObject({ fromVersion: 2, toVersion: 5, checksum: legacy.file.sha256 })
})

test('a failed upgrade of an adopted database puts the hand-made file back (no baseline rows, no half migration)', async ({ context }) => {
  const page = await openApp(context)
  const legacy = await legacyDatabase(page, 'legacy-fail.db')
  const error = failed(await h.open(page, { name: 'legacy-fail.db', set: 'fail', workerParams: { baseline: 'user_version' } }))
  expect(error).toMatchObject({ code: 'MIGRATION_FAILED' })
  expect(error.fields.details).toMatchObject({ version: 6, restoredToVersion: 2 })
  // Still the hand-made file: user_version 2 and no schema_migrations, so the plain v1 app refuses it as before.
  const refused = failed(await h.open(page, { name: 'legacy-fail.db', set: 'v1' }))
  expect(refused.message).toMatch(/user_version 2 but no schema_migrations table/)
  // Adopting it at 2 (nothing pending) finds every row and none of migrations 3–6; the snapshot it was restored from
  // is the hand-made file, byte for byte.
  ok(await h.open(page, { name: 'legacy-fail.db', set: 'v1', workerParams: { baseline: '2' } }))
  expect(ok(await h.query(page, 'legacy-fail.db', NOTES))).toEqual(legacy.rows)
  const objects = ok(await h.query(page, 'legacy-fail.db', `SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite%' ORDER BY name`))
  expect(objects.map((o) => o.name)).toEqual(['note_tags', 'notes', 'notes_created_at', 'schema_migrations', 'tags'])
  const status = ok(await h.status(page, 'legacy-fail.db'))
  expect(status.applied.map((r) => [r.version, r.baseline])).toEqual([
    [1, true],
    [2, true],
  ])
  expect(status.snapshots.find((s) => s.id === error.fields.details!.snapshotId)).toMatchObject({ checksum: legacy.file.sha256 })
})
