import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { readMigrationFolder } from '../../core/folder/migration-files'
import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { checkMigrationFiles } from '../../node/check-migrations'
import { loadNodeSqlite } from '../../node/node-sqlite'
import { migrationsRoot, readMigrationsDirectory } from '../../node/read-migrations-directory'

// Inputs real teams have that the folder reader first misread: found by the adversarial review of issue 17.
const files = (paths: Record<string, unknown>) => Object.entries(paths).map(([path, value]) => ({ path, value }))
const lock = 'provider = "sqlite"\n'

describe('Prisma folders created without a migration name', () => {
  // `prisma migrate dev` with the name left empty made `<timestamp>_/` (prisma/prisma#28018), and makes `<timestamp>/`
  // since the fix of that issue (prisma-engines#5632): both are ordinary Prisma migrations.
  const prisma = {
    './prisma/migrations/migration_lock.toml': lock,
    './prisma/migrations/20210101000000_init/migration.sql': 'CREATE TABLE a(x);',
    './prisma/migrations/20230319053449_/migration.sql': 'CREATE TABLE b(x);',
    './prisma/migrations/20250902192117/migration.sql': 'CREATE TABLE c(x);',
  }

  it('are read in timestamp order, named by their folder', () => {
    const folder = readMigrationFolder(files(prisma))
    expect(folder.problems).toEqual([])
    expect(folder.entries.map((e) => [e.version, e.name, e.format])).toEqual([
      [1, '20210101000000_init', 'prisma'],
      [2, '20230319053449', 'prisma'],
      [3, '20250902192117', 'prisma'],
    ])
    expect(migrationsFromGlob(prisma).map((m) => [m.version, m.name, m.sql])).toEqual([
      [1, '20210101000000_init', 'CREATE TABLE a(x);'],
      [2, '20230319053449', 'CREATE TABLE b(x);'],
      [3, '20250902192117', 'CREATE TABLE c(x);'],
    ])
  })
})

describe('a migration folder that holds no migration file', () => {
  // Prisma refuses such a folder (P3015 "Could not find the migration file"); skipping it would leave the database
  // without that migration, with nothing to say so.
  it('is an error naming the folder, never a skipped version', () => {
    const prisma = readMigrationFolder(
      files({
        'p/migration_lock.toml': lock,
        'p/20210101000000_init/migration.sql': 'CREATE TABLE a(x);',
        'p/20210102000000_add_b/README.md': 'the SQL was lost in a merge',
        'p/20210103000000_add_c/migration.sql': 'CREATE TABLE c(x);',
      }),
    )
    expect(prisma.problems.map((p) => [p.rule, p.path])).toEqual([['missing-migration', 'p/20210102000000_add_b/']])
    expect(prisma.problems[0]!.message).toMatch(/20210102000000_add_b\/: holds no migration\.sql or up\.sql/)
    // diesel's folder with only its down.sql, Drizzle v1's with only its snapshot.
    const diesel = readMigrationFolder(
      files({ 'm/2018-01-14-171611_a/up.sql': 'x', 'm/2018-01-14-171611_a/down.sql': 'x', 'm/2018-01-15-171611_b/down.sql': 'x' }),
    )
    expect(diesel.problems.map((p) => [p.rule, p.path])).toEqual([['missing-migration', 'm/2018-01-15-171611_b/']])
    // Prisma's folders made without a name, too.
    const nameless = readMigrationFolder(
      files({
        'p/migration_lock.toml': lock,
        'p/20210101000000_init/migration.sql': 'x',
        'p/20230319053449_/README.md': 'x',
        'p/20250902192117/README.md': 'x',
      }),
    )
    expect(nameless.problems.map((p) => [p.rule, p.path])).toEqual([
      ['missing-migration', 'p/20230319053449_/'],
      ['missing-migration', 'p/20250902192117/'],
    ])
    const drizzle = readMigrationFolder(files({ 'd/20250101120000_init/migration.sql': 'x', 'd/20250102120000_b/snapshot.json': '{}' }))
    expect(drizzle.problems.map((p) => [p.rule, p.path])).toEqual([['missing-migration', 'd/20250102120000_b/']])
    expect(() => migrationsFromGlob({ './d/20250101120000_init/migration.sql': 'x', './d/20250102120000_b/snapshot.json': '{}' })).toThrow(
      /20250102120000_b\/: holds no migration\.sql or up\.sql/,
    )
  })
})

describe('a folder named like the migration file beside it', () => {
  it("holds that migration's data, not a missing migration", () => {
    const folder = readMigrationFolder(files({ 'm/0001_a.sql': 'x', 'm/0002_import.ts': { up() {} }, 'm/0002_import/data.json': '[]' }))
    expect(folder.problems).toEqual([])
    expect(folder.entries.map((e) => e.path)).toEqual(['m/0001_a.sql', 'm/0002_import.ts'])
  })
})

describe('numbered files the reader does not run', () => {
  it('are errors, never ignored: code in an extension it does not load, a migration named like a test', () => {
    const folder = readMigrationFolder(
      files({
        'm/0001_a.sql': 'x',
        'm/0002_b.cjs': 'module.exports = { up() {} }',
        'm/0003_c.tsx': 'x',
        'm/V4__seed.test.sql': 'x',
        'm/0005_e.sql.bak': 'x',
        'm/helpers.cjs': 'x',
        'm/0001_a.test.ts': 'x',
      }),
      { root: 'm' },
    )
    expect(folder.problems.map((p) => [p.rule, p.path])).toEqual([
      ['unread-file', 'm/0002_b.cjs'],
      ['unread-file', 'm/0003_c.tsx'],
      ['unread-file', 'm/V4__seed.test.sql'],
    ])
    expect(folder.problems[0]!.message).toMatch(/\.cjs is not loaded/)
    expect(folder.ignored.map((f) => f.path)).toEqual(['m/0005_e.sql.bak', 'm/helpers.cjs', 'm/0001_a.test.ts'])
  })

  it('a migration written in another language (goose Go, refinery Rust) is refused, not skipped', () => {
    // goose runs 00002_backfill.go between the SQL files; skipping it would leave its change out of every database.
    const goose = readMigrationFolder(
      files({ 'db/00001_init.sql': 'x', 'db/00002_backfill.go': 'package migrations', 'db/00003_next.sql': 'x', 'db/main.go': 'x' }),
      { root: 'db' },
    )
    expect(goose.problems.map((p) => [p.rule, p.path])).toEqual([['unsupported-migration', 'db/00002_backfill.go']])
    expect(goose.problems[0]!.message).toMatch(/written in \.go.*rewrite it as a \.sql file or a \.ts up\(db\)/)
    expect(goose.ignored.map((f) => f.path)).toEqual(['db/main.go'])
    const refinery = readMigrationFolder(files({ 'm/V1__init.sql': 'x', 'm/V2__seed.rs': 'x', 'm/mod.rs': 'x' }), { root: 'm' })
    expect(refinery.problems.map((p) => [p.rule, p.path])).toEqual([['unsupported-migration', 'm/V2__seed.rs']])
  })

  it('the Node reader reads a .SQL file as text, as a glob does', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'edges-'))
    try {
      await writeFile(join(directory, '0001_a.sql'), 'CREATE TABLE a(x);')
      await writeFile(join(directory, '0002_b.SQL'), 'CREATE TABLE b(x);')
      const disk = await readMigrationsDirectory(directory, { importModule: async () => ({}) })
      const result = await checkMigrationFiles(await loadNodeSqlite(), disk, { root: migrationsRoot(directory) })
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
      expect(result.migrations.map((m) => m.migration.name)).toEqual(['a', 'b'])
    } finally {
      await rm(directory, { recursive: true })
    }
  })
})

describe('a Prisma lock globbed with another prefix than the migrations', () => {
  it('is still checked: a lock for another provider is refused, not ignored', () => {
    // Two globs in one file, one relative and one from the project root: the lock sits at another depth in the keys.
    const glob = {
      './migrations/20210101000000_init/migration.sql':
        'CREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));',
      '/src/db/migrations/migration_lock.toml': 'provider = "postgresql"\n',
    }
    expect(() => migrationsFromGlob(glob)).toThrow(/migration_lock\.toml: these migrations were generated for provider "postgresql"/)
  })
})

describe('the root given to migrationsFromGlob', () => {
  const glob = {
    './sqlite/0.22/00_a.sql': 'CREATE TABLE a(x);',
    './sqlite/0.22/01_b.sql': 'CREATE TABLE b(x);',
    './sqlite/0.23/02_c.sql': 'CREATE TABLE c(x);',
  }

  it('is matched against the paths, with or without its ./', () => {
    for (const root of ['./sqlite', 'sqlite', './sqlite/'])
      expect(migrationsFromGlob(glob, { root }).map((m) => m.name)).toEqual(['0.22-00_a', '0.22-01_b', '0.23-02_c'])
  })

  it('a file outside it is an error, never read with its folder cut off', () => {
    // Read by depth alone, 0.23/02_c.sql became a third file of 0.22/ ('02_c'), its version folder silently dropped.
    expect(() => migrationsFromGlob(glob, { root: './sqlite/0.22' })).toThrow(
      /\.\/sqlite\/0\.23\/02_c\.sql: not in the migrations folder given as root/,
    )
  })
})

describe('a stray down.sql, snapshot.json or metadata.toml beside the migrations', () => {
  it('does not move the inferred migrations folder one level up', () => {
    for (const stray of ['down.sql', 'snapshot.json', 'metadata.toml']) {
      const glob = { './m/0001_a.sql': 'CREATE TABLE a(x);', './m/0002_b.sql': 'CREATE TABLE b(x);', [`./m/${stray}`]: 'x' }
      expect(migrationsFromGlob(glob).map((m) => m.name)).toEqual(['a', 'b'])
    }
  })
})
