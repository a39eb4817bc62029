import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { expect, failed, h, ok, openApp, test } from './fixtures'

// Files written for goose, dbmate and sql-migrate, and a migration holding only comments, read through migrationsFromGlob in the
// real worker (set 'sections', files in app/sections/): only each file's up part runs, the empty one is recorded.
const folder = join(import.meta.dirname, 'app', 'sections')
/** sha-256 of what must have run: the file up to its down marker (the checksum the history must hold). */
const upPartChecksum = (file: string, downMarker: string | null) => {
  const text = readFileSync(join(folder, file), 'utf8')
  const upPart = downMarker ? text.slice(0, text.indexOf(`\n${downMarker}`) + 1) : text
  return createHash('sha256').update(upPart.replace(/\r\n?/g, '\n')).digest('hex')
}

test('goose, dbmate and sql-migrate files run their up part only (NO TRANSACTION honoured); a comment-only migration is recorded', async ({
  context,
}) => {
  const page = await openApp(context)
  const opened = ok(await h.open(page, { name: 'sections.db', set: 'sections' }))
  expect(opened).toMatchObject({ version: 5, latestVersion: 5 })
  expect(opened.appliedNow.map((m) => m.version)).toEqual([1, 2, 3, 4, 5])

  const status = ok(await h.status(page, 'sections.db'))
  expect(status.applied.map((m) => [m.version, m.name, m.checksum])).toEqual([
    [1, 'create_posts', upPartChecksum('0001_create_posts.sql', '-- +goose Down')],
    [2, 'postgres_only', upPartChecksum('0002_postgres_only.sql', null)],
    [3, 'add_authors', upPartChecksum('0003_add_authors.sql', '-- migrate:down')],
    [4, 'compact', upPartChecksum('0004_compact.sql', '-- +goose Down')], // VACUUM: ran outside a transaction, as marked
    [5, 'post_tags', upPartChecksum('0005_post_tags.sql', '-- +migrate Down')], // sql-migrate
  ])

  // The down parts drop the trigger and the tables and delete the rows: none of that happened.
  const schema = ok(await h.query(page, 'sections.db', `SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite%' ORDER BY name`))
  expect(schema).toEqual([
    { type: 'table', name: 'authors' },
    { type: 'table', name: 'post_tags' },
    { type: 'table', name: 'posts' },
    { type: 'trigger', name: 'posts_titled' },
    { type: 'table', name: 'schema_migrations' },
  ])
  expect(ok(await h.query(page, 'sections.db', 'SELECT id, title, author_id FROM posts ORDER BY id'))).toEqual([
    { id: 1, title: 'first', author_id: 1 },
    { id: 2, title: 'second', author_id: 1 },
  ])
  expect(ok(await h.query(page, 'sections.db', 'SELECT id, name FROM authors'))).toEqual([{ id: 1, name: 'Ada' }])
  expect(ok(await h.query(page, 'sections.db', 'SELECT post_id, tag FROM post_tags ORDER BY post_id'))).toEqual([
    { post_id: 1, tag: 'imported' },
    { post_id: 2, tag: 'imported' },
  ])
  // The goose StatementBegin/End block was created whole.
  expect(failed(await h.exec(page, 'sections.db', `INSERT INTO posts (title) VALUES ('')`)).message).toMatch(/empty title/)

  // A reload reads the same files the same way: same checksums, nothing edited, nothing pending.
  await page.reload()
  await page.waitForFunction(() => document.body.dataset.ready === 'true')
  const reopened = ok(await h.open(page, { name: 'sections.db', set: 'sections' }))
  expect(reopened).toMatchObject({ version: 5, appliedNow: [] })
})
