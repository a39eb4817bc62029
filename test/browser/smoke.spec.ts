import { expect, h, ok, openApp, test } from './fixtures'

test('opens, migrates and queries', async ({ context }) => {
  const page = await openApp(context)
  const opened = ok(await h.open(page, { name: 'smoke.db', set: 'v2' }))
  expect(opened.version).toBe(5)
  ok(await h.exec(page, 'smoke.db', 'INSERT INTO notes (title) VALUES (?)', ['hello #x']))
  expect(ok(await h.query(page, 'smoke.db', 'SELECT title FROM notes'))).toEqual([{ title: 'hello #x' }])
})
