import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { build, createLogger, createServer } from 'vite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runCli } from '../../node/cli/run-cli'
import { sqliteOpfsMigrate, type SqliteOpfsMigrateOptions } from '../../node/vite-plugin'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'som-vite-types-'))
  await mkdir(join(root, 'migrations'))
  await mkdir(join(root, 'src'))
  await writeFile(join(root, 'index.html'), '<script type="module" src="./main.js"></script>')
  await writeFile(join(root, 'main.js'), 'console.log(1)\n')
  await writeFile(join(root, 'migrations', '0001_notes.sql'), 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);')
})
afterEach(() => rm(root, { recursive: true, force: true }))

const viteBuild = (options: SqliteOpfsMigrateOptions) =>
  build({ root, logLevel: 'silent', configFile: false, plugins: [sqliteOpfsMigrate(options)], build: { write: false } })
const typesFile = () => join(root, 'src', 'db-schema.ts')
/** What `sqlite-opfs-migrate types migrations`, run from Vite's root, prints. */
async function generated(): Promise<string> {
  let stdout = ''
  const cwd = process.cwd()
  process.chdir(root)
  try {
    expect(await runCli(['types', 'migrations'], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } })).toBe(
      0,
    )
  } finally {
    process.chdir(cwd)
  }
  return stdout
}

describe("the Vite plugin's types option", () => {
  it('fails the build when the file is missing or stale, naming the command; passes when fresh (even reformatted)', async () => {
    await expect(viteBuild({ types: 'src/db-schema.ts' })).rejects.toThrow(
      /types file src\/db-schema\.ts is missing\. Regenerate it: npx sqlite-opfs-migrate types migrations --out src\/db-schema\.ts/,
    )
    await writeFile(typesFile(), (await generated()).replaceAll('\n\n', '\n'))
    await expect(viteBuild({ types: 'src/db-schema.ts' })).resolves.toBeDefined()
    await writeFile(join(root, 'migrations', '0002_done.sql'), 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;')
    await expect(viteBuild({ types: 'src/db-schema.ts' })).rejects.toThrow(
      /types file src\/db-schema\.ts is stale: it is not the schema of migrations at version 2\. Regenerate it: npx sqlite-opfs-migrate types migrations/,
    )
    await writeFile(typesFile(), await generated())
    await expect(viteBuild({ types: 'src/db-schema.ts' })).resolves.toBeDefined()
    await expect(viteBuild({})).resolves.toBeDefined() // no option, no check
  })

  it('fails the build with the check’s findings when the migrations do not apply', async () => {
    await writeFile(join(root, 'migrations', '0002_bad.sql'), 'ALTER TABLE nope ADD COLUMN x;')
    await expect(viteBuild({ types: 'src/db-schema.ts' })).rejects.toThrow(
      /no types from migrations: it fails its check:\n.*no such table: nope/,
    )
    await expect(viteBuild({ types: 'src/db-schema.ts', dir: 'nowhere' })).rejects.toThrow(/migrations folder .*nowhere does not exist/)
  })

  it('in dev writes the file at start and again when a migration changes, only when its content changes', async () => {
    const logged: string[] = []
    const customLogger = { ...createLogger('silent'), info: (m: string) => void logged.push(m), error: (m: string) => void logged.push(m) }
    const server = await createServer({
      root,
      customLogger,
      configFile: false,
      plugins: [sqliteOpfsMigrate({ types: 'src/db-schema.ts' })],
      server: { middlewareMode: true },
    })
    try {
      await expect.poll(() => readFile(typesFile(), 'utf8').catch(() => ''), { timeout: 30_000 }).toBe(await generated())
      // Restyled by a formatter: current, so left alone (no rebuild loop with a formatter on save).
      const restyled = (await readFile(typesFile(), 'utf8')).replaceAll('\n\n', '\n')
      await writeFile(typesFile(), restyled)
      // An edit that changes no schema (regenerated, not written), then one that does (written): regenerations run in order.
      // Each file appears whole (renamed in), so the watcher never reads one half-written.
      const put = async (name: string, text: string) => {
        await writeFile(join(root, name), text)
        await rename(join(root, name), join(root, 'migrations', name))
      }
      await put('0001_notes.sql', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL); -- x')
      await put('0002_done.sql', 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;')
      await expect.poll(() => readFile(typesFile(), 'utf8'), { timeout: 30_000 }).toContain('done: Generated<number>')
      expect(await readFile(typesFile(), 'utf8')).toBe(await generated())
      expect(logged.filter((m) => m.includes('wrote src/db-schema.ts'))).toEqual([
        expect.stringContaining('(version 1, 1 table(s))'),
        expect.stringContaining('(version 2, 1 table(s))'),
      ])
    } finally {
      await server.close()
    }
  }, 90_000)
})
