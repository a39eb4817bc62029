import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { checksumSql } from '../../core/runner/checksum'
import { dryRun } from '../../core/runner/dry-run'
import { readHistory } from '../../core/runner/history'
import { runMigrations } from '../../core/runner/run-migrations'
import { prepareMigrations } from '../../core/runner/runner'
import { checkMigrationFiles, type Diagnostic } from '../../node/check-migrations'
import { memoryDb, rows, sqlite } from './sqlite'

// A diesel-style history whose migration 2 applies to other engines only: its up.sql holds nothing but a comment.
const folder = join(import.meta.dirname, 'fixtures', 'sections', 'empty')
const files = [
  '0001_create_users/up.sql',
  '0001_create_users/down.sql',
  '0002_postgres_only/up.sql',
  '0002_postgres_only/down.sql',
  '0003_add_email/up.sql',
  '0003_add_email/down.sql',
]
const glob = Object.fromEntries(files.map((f) => [`./${f}`, readFileSync(join(folder, f), 'utf8')]))
const brief = (ds: Diagnostic[]) => ds.map((d) => [d.severity, d.rule, d.file, d.line])
const check = async (paths: Record<string, string>, options = {}) =>
  checkMigrationFiles(
    await sqlite(),
    Object.entries(paths).map(([path, value]) => ({ path, value })),
    options,
  )

describe('a migration holding only comments or whitespace', () => {
  it('is a no-op recorded in the history with its checksum, and later migrations run on', async () => {
    const migrations = migrationsFromGlob(glob)
    expect(migrations.map((m) => [m.version, m.name])).toEqual([
      [1, 'create_users'],
      [2, 'postgres_only'],
      [3, 'add_email'],
    ])
    const { sqlite3, db } = await memoryDb()
    const applied = await runMigrations(sqlite3, db, migrations)
    expect(applied.map((r) => r.version)).toEqual([1, 2, 3])
    expect(readHistory(db).applied[1]).toMatchObject({
      version: 2,
      name: 'postgres_only',
      checksum: await checksumSql(glob['./0002_postgres_only/up.sql']!),
    })
    expect(rows(db, 'users')).toEqual([{ id: 1, name: 'Ada', email: null }])
    // Reopening with the same list finds nothing edited and nothing pending.
    expect(await runMigrations(sqlite3, db, migrations)).toEqual([])
    for (const sql of ['', '   \n\t', '/* nothing */', '-- a\n-- b']) {
      const { sqlite3: s, db: empty } = await memoryDb()
      await runMigrations(s, empty, [{ version: 1, name: 'nothing', sql }])
      expect(readHistory(empty).version).toBe(1)
    }
  })

  it('passes the dry run as an applied step that changed nothing', async () => {
    const { sqlite3 } = await memoryDb()
    const prepared = await prepareMigrations(migrationsFromGlob(glob))
    const result = dryRun(sqlite3, new Uint8Array(), prepared, { acceptEditedMigrations: false, foreignKeys: true, verify: 'quick_check' })
    expect(result.ok).toBe(true)
    expect(result.steps.map((s) => [s.version, s.outcome, s.changes])).toEqual([
      [1, 'applied', 1],
      [2, 'applied', 0],
      [3, 'applied', 0],
    ])
  })

  it('is a warning of the check (empty-migration), an error with strict, accepted by its allow comment', async () => {
    const paths = Object.fromEntries(Object.entries(glob).map(([p, v]) => [`m/${p.slice(2)}`, v]))
    const result = await check(paths)
    expect(result.ok).toBe(true)
    expect(brief(result.diagnostics)).toEqual([['warning', 'empty-migration', 'm/0002_postgres_only/up.sql', null]])
    expect(result.diagnostics[0]!.message).toMatch(/runs no statement .* allow empty-migration/)
    expect(result.migrations.map((m) => m.migration.version)).toEqual([1, 2, 3]) // the build embeds it
    const strict = await check(paths, { strict: true })
    expect(strict.ok).toBe(false)
    expect(brief(strict.diagnostics)).toEqual([['error', 'empty-migration', 'm/0002_postgres_only/up.sql', null]])
    const allowed = { ...paths, 'm/0002_postgres_only/up.sql': '-- Postgres only\n-- sqlite-opfs-migrate: allow empty-migration\n' }
    expect((await check(allowed, { strict: true })).diagnostics).toEqual([])
    const goose = await check({ 'm/1_a.sql': '-- +goose Up\n-- +goose Down\nDROP TABLE x;\n' })
    expect(goose.diagnostics[0]!.message).toMatch(/only comments or whitespace in its goose up section/)
  })
})
