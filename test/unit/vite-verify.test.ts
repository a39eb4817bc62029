import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { build } from 'vite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { sqliteOpfsMigrate, type SqliteOpfsMigrateOptions } from '../../node/vite-plugin'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'som-vite-verify-'))
  await mkdir(join(root, 'migrations'))
  await writeFile(join(root, 'index.html'), '<script type="module" src="./main.js"></script>')
  await writeFile(join(root, 'main.js'), "import migrations from 'virtual:sqlite-opfs-migrate'\nconsole.log(migrations.length)\n")
  await writeFile(join(root, 'migrations', '0001_notes.sql'), 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);')
  // Works when 2 and 3 run in one session (a fresh install), fails on a device upgraded to 2 by an earlier release.
  await writeFile(
    join(root, 'migrations', '0002_stash.sql'),
    'CREATE TEMP TABLE stash AS SELECT id FROM notes;\nALTER TABLE notes ADD COLUMN done INTEGER;',
  )
  await writeFile(join(root, 'migrations', '0003_use_stash.sql'), 'UPDATE notes SET done = 1 WHERE id IN (SELECT id FROM stash);')
})
afterEach(() => rm(root, { recursive: true, force: true }))

const viteBuild = (options: SqliteOpfsMigrateOptions) =>
  build({ root, logLevel: 'silent', configFile: false, plugins: [sqliteOpfsMigrate(options)], build: { write: false } })

describe('the Vite plugin with verify: true', () => {
  it('fails the build naming the start, the migration and the error', async () => {
    await expect(viteBuild({ verify: true })).rejects.toThrow(
      /verify: not every old database upgrades[\s\S]*v2\s+0\s+FAILED\s+\[MIGRATION_FAILED\] migration 3 \("use_stash"\) failed: no such table: stash/,
    )
  })

  it("verify: { fixtures } adds real files, from Vite's root", async () => {
    await writeFile(join(root, 'migrations', '0002_stash.sql'), 'ALTER TABLE notes ADD COLUMN done INTEGER;')
    await writeFile(join(root, 'migrations', '0003_use_stash.sql'), 'UPDATE notes SET done = 1;')
    await mkdir(join(root, 'fixtures'))
    await writeFile(join(root, 'fixtures', 'phone.db'), 'not a database'.repeat(40))
    await expect(viteBuild({ verify: { fixtures: 'fixtures' } })).rejects.toThrow(
      /phone\.db \(v0\)\s+0\s+FAILED\s+\[INVALID_DATABASE_FILE\]/,
    )
  })

  it('builds when every start upgrades cleanly, and does not run the check unless asked', async () => {
    await expect(viteBuild({})).resolves.toBeDefined()
    await writeFile(
      join(root, 'migrations', '0002_stash.sql'),
      'CREATE TABLE stash AS SELECT id FROM notes;\nALTER TABLE notes ADD COLUMN done INTEGER;',
    )
    await expect(viteBuild({ verify: true })).resolves.toBeDefined()
  })
})
