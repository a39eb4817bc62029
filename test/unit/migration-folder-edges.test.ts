import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkMigrationFiles } from '../../node/check-migrations'
import { loadNodeSqlite } from '../../node/node-sqlite'
import { migrationsRoot, readMigrationsDirectory } from '../../node/read-migrations-directory'
import { readMigrationFolder } from '../../worker/migration-files'
import { migrationsFromGlob } from '../../worker/migrations-from-glob'

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
