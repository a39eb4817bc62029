import { type ChildProcess, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { expect, test } from './fixtures'
import { layoutFixtures, SCHEMA, toolResult } from './layout-reference'
import { installPackedApp, preview } from './packed-app'

// An app built with the packed package's Vite plugin (`sqlite-opfs-migrate/vite`) and its own Vite: the plugin turns
// its migrations folder (.up.sql/.down.sql, a file with its own BEGIN/COMMIT, a TypeScript migration calling a custom
// SQL function) into `virtual:sqlite-opfs-migrate`, checks it at build time, and the built app upgrades its database.
const port = 5196
let app: ReturnType<typeof installPackedApp> | undefined
let server: ChildProcess | undefined
let vite = ''

const build = () => execFileSync(vite, ['build', '--logLevel', 'warn'], { cwd: app!.directory, stdio: 'pipe', encoding: 'utf8' })
const migration = (name: string, text: string) => writeFileSync(join(app!.directory, 'migrations', name), text)

test.beforeAll(async () => {
  test.setTimeout(240_000)
  app = installPackedApp('plugin-app', ['vite@8.3.8'])
  vite = join(app.directory, 'node_modules/.bin/vite')
  build()
  server = await preview(vite, app.directory, port)
})

test.afterAll(() => {
  server?.kill()
  app?.remove()
})

test('an app built with the plugin upgrades its database when a build adds a migration; a broken one fails the build', async ({ page }) => {
  test.setTimeout(120_000)
  const out = page.locator('#out')
  const shown = async () => JSON.parse((await out.textContent())!)
  await page.goto(`http://127.0.0.1:${port}/`)
  await expect(out).toContainText('"version":2', { timeout: 20_000 })
  const first = await shown()
  expect(first.history).toEqual([
    [1, 'items', 64],
    [2, 'rebuild_items', 64],
  ])
  expect(first.items).toHaveLength(1)

  // A migration SQLite cannot prepare against the schema so far fails the build, naming file and line.
  migration('0003_broken.sql', 'UPDATE items SET loud = NULL WHERE id > 0;\nUPDATE items SET missing = 1 WHERE id > 0;')
  let failure = ''
  try {
    build()
  } catch (error) {
    failure = String((error as { stderr?: string }).stderr) + String((error as { stdout?: string }).stdout)
  }
  expect(failure).toMatch(/migrations\/0003_broken\.sql:2: no such column: missing/)
  rmSync(join(app!.directory, 'migrations', '0003_broken.sql'))

  // A TypeScript backfill calling the worker's custom function (named in the plugin options for the build-time check).
  migration(
    '0003_shout.ts',
    "import type { MigrationDatabase } from 'sqlite-opfs-migrate/worker'\n" +
      "export function up(db: MigrationDatabase): void {\n  db.exec('UPDATE items SET loud = shout(label) WHERE loud IS NULL')\n}\n",
  )
  build()
  await page.reload()
  await expect(out).toContainText('"version":3', { timeout: 20_000 })
  const second = await shown()
  expect(second.history).toEqual([
    [1, 'items', 64],
    [2, 'rebuild_items', 64],
    [3, 'shout', 'code'],
  ])
  // The row from the first build survived both migrations and was backfilled; this load added a second one.
  expect(second.items).toHaveLength(2)
  expect(second.items[0]).toEqual({ ...first.items[0], loud: `${first.items[0].label.toUpperCase()}!` })
  expect(second.items[1].loud).toBeNull()

  // A goose file and a comment-only migration: the build embeds the goose Up part only, with its checksum; the Down
  // part (which deletes every row) never runs, and the empty migration is recorded.
  const goose = "-- +goose Up\nALTER TABLE items ADD COLUMN tag TEXT NOT NULL DEFAULT 'kept';\n\n-- +goose Down\nDELETE FROM items;\n"
  migration('0004_tagged.sql', goose)
  migration('0005_server_only.sql', '-- Postgres only\n')
  build()
  await page.reload()
  await expect(out).toContainText('"version":5', { timeout: 20_000 })
  const third = await shown()
  expect(third.history.slice(3)).toEqual([
    [4, 'tagged', 64],
    [5, 'server_only', 64],
  ])
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
  expect(third.checksums.slice(3)).toEqual([sha256(goose.slice(0, goose.indexOf('-- +goose Down'))), sha256('-- Postgres only\n')])
  expect(third.items).toHaveLength(3)
  expect(third.items.map((item: { tag: string }) => item.tag)).toEqual(['kept', 'kept', 'kept'])
})

test("an app whose plugin dir is a Prisma migrations folder gets Prisma's schema and rows", async ({ page }) => {
  test.setTimeout(120_000)
  // A second entry of the same packed app, with its own config, page and build output (the first test's stay as they
  // are). The folder is copied as `prisma migrate dev` leaves it (migration_lock.toml, <timestamp>_<name>/migration.sql).
  const directory = app!.directory
  cpSync(join(layoutFixtures, 'prisma/migrations'), join(directory, 'prisma/migrations'), { recursive: true })
  writeFileSync(
    join(directory, 'vite.prisma.config.mjs'),
    "import { sqliteOpfsMigrate } from 'sqlite-opfs-migrate/vite'\n" +
      "export default { plugins: [sqliteOpfsMigrate({ dir: 'prisma/migrations', functions: ['shout'] })],\n" +
      "  build: { target: 'es2022', outDir: 'dist-prisma', rollupOptions: { input: 'prisma.html' } } }\n",
  )
  writeFileSync(
    join(directory, 'prisma.html'),
    '<!doctype html><meta charset="utf-8"><output id="out">opening…</output><script type="module" src="./prisma-main.ts"></script>\n',
  )
  writeFileSync(
    join(directory, 'prisma-main.ts'),
    "import { openDatabase } from 'sqlite-opfs-migrate'\n" +
      "const out = document.getElementById('out')!\n" +
      'try {\n' +
      "  const db = await openDatabase({ name: 'prisma.db', worker: () => new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }) })\n" +
      `  const schema = await db.query(${JSON.stringify(SCHEMA)})\n` +
      '  const data = []\n' +
      '  for (const t of schema.filter((o) => o.type === \'table\')) data.push([t.name, await db.query(`SELECT * FROM "${t.name}" ORDER BY rowid`)])\n' +
      '  const status = await db.status()\n' +
      '  out.textContent = JSON.stringify({ history: status.applied.map((m) => [m.version, m.name]), schema, data })\n' +
      '} catch (error) {\n  out.textContent = `error: ${String(error)}`\n}\n',
  )
  execFileSync(vite, ['build', '--config', 'vite.prisma.config.mjs', '--logLevel', 'warn'], {
    cwd: directory,
    stdio: 'pipe',
    encoding: 'utf8',
  })
  const prismaPort = port - 1
  const prismaServer = await preview(vite, directory, prismaPort, ['--config', 'vite.prisma.config.mjs'])
  try {
    await page.goto(`http://127.0.0.1:${prismaPort}/prisma.html`)
    const out = page.locator('#out')
    await expect(out).toContainText(/"history"|error:/, { timeout: 20_000 })
    const shown = JSON.parse((await out.textContent())!)
    expect(shown.history).toEqual([
      [1, '20210101000000_init'],
      [2, '20210215093000_add_posts'],
      [3, '20220301120000_post_published'],
    ])
    expect({ schema: shown.schema, data: shown.data }).toEqual(await toolResult('prisma'))
  } finally {
    prismaServer.kill()
  }
})
