import { layouts } from '../unit/fixtures/layouts/layouts'
import { expect, h, ok, openApp, test } from './fixtures'
import { SCHEMA, toolResult } from './layout-reference'

// Other tools' migration folders, globbed as they are (test/browser/app/layout-sets.ts) and applied by the library
// in a real worker on OPFS: the database must hold what the tool's own order gives (applied file by file with
// sqlite-wasm's Node build) — the same schema, the same rows — and the history the names the unit tests pin.

for (const tool of ['diesel', 'prisma', 'drizzle-v1', 'flyway', 'version-folders', 'version-folders-v']) {
  test(`a ${tool} folder read by migrationsFromGlob gives the tool's schema and rows in a real worker`, async ({ context }) => {
    const page = await openApp(context)
    const name = `layout-${tool}.db`
    const layout = layouts[tool]!
    const opened = ok(await h.open(page, { name, set: `layout-${tool}` }))
    expect(opened.appliedNow.map((m) => [m.version, m.name])).toEqual(layout.expected.map(([version, n]) => [version, n]))
    const expected = await toolResult(tool)
    const schema = ok(await h.query(page, name, SCHEMA))
    expect(schema).toEqual(expected.schema)
    for (const [table, rows] of expected.data)
      expect(ok(await h.query(page, name, `SELECT * FROM "${table}" ORDER BY rowid`))).toEqual(rows)
    const status = ok(await h.status(page, name))
    expect(status.applied.map((m) => [m.version, m.name])).toEqual(layout.expected.map(([version, n]) => [version, n]))
  })
}
