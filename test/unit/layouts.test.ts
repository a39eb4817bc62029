import { readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'

import { describe, expect, it } from 'vitest'

import { type MigrationFileInput, readMigrationFolder } from '../../core/folder/migration-files'
import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { runMigrations } from '../../core/runner/run-migrations'
import type { Database } from '../../core/sqlite/sqlite'
import { migrationsRoot, readMigrationsDirectory } from '../../node/read-migrations-directory'
import { InvalidMigrationsError } from '../../shared/errors'
import { layouts } from './fixtures/layouts/layouts'
import { sqlite } from './sqlite'

const fixtures = join(import.meta.dirname, 'fixtures/layouts')
const noCode = { importModule: async () => ({}) }

/** The files of a fixture folder as `import.meta.glob('./<dir>/**', { query: '?raw', import: 'default' })` in layouts.ts gives them. */
async function globOf(dir: string): Promise<Record<string, string>> {
  const files = await readMigrationsDirectory(join(fixtures, dir), { base: fixtures, ...noCode })
  return Object.fromEntries(await Promise.all(files.map(async (f) => [`./${f.path}`, await readFile(f.absolute, 'utf8')] as const)))
}

/** Everything a schema holds but the library's own history, and every row: what "the same database" means here. */
function contents(db: Database): unknown {
  const schema = db.selectObjects(
    "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> 'schema_migrations' ORDER BY name",
  )
  const data = schema
    .filter((o) => o.type === 'table')
    .map((t) => [t.name, db.selectObjects(`SELECT * FROM "${String(t.name)}" ORDER BY rowid`)])
  return { schema, data }
}

describe('migration folders of other tools, read as they are', () => {
  for (const [tool, layout] of Object.entries(layouts)) {
    it(`${tool}: versions, names and order as the tool's; ignored files with their reason; the tool's schema`, async () => {
      const directory = join(fixtures, layout.dir)
      // As the Node reader (CLI, Vite plugin) reads it: the folder is known.
      const files = await readMigrationsDirectory(directory, noCode)
      const folder = readMigrationFolder(files, { root: migrationsRoot(directory) })
      expect(folder.problems).toEqual([])
      expect(folder.entries.map((e) => [e.version, e.name, e.format])).toEqual(layout.expected)
      const rel = (path: string) => relative(migrationsRoot(directory), path)
      expect(folder.entries.map((e) => rel(e.path))).toEqual(layout.toolOrder)
      expect(folder.ignored.map((f) => rel(f.path)).sort()).toEqual(layout.ignored.map(([path]) => path).sort())
      for (const [path, reason] of layout.ignored)
        expect(folder.ignored.find((f) => rel(f.path) === path)!.reason).toMatch(new RegExp(`^${reason}`))

      // As a glob gives it (the folder inferred from the keys): the same versions and names.
      const migrations = migrationsFromGlob(await globOf(layout.dir))
      expect(migrations.map((m) => [m.version, m.name])).toEqual(layout.expected.map(([version, name]) => [version, name]))

      // Applied by the library, and file by file in the tool's order: the same schema and rows.
      const sqlite3 = await sqlite()
      const ours = new sqlite3.oo1.DB(':memory:')
      const theirs = new sqlite3.oo1.DB(':memory:')
      try {
        ours.exec('PRAGMA foreign_keys = ON')
        theirs.exec('PRAGMA foreign_keys = ON')
        await runMigrations(sqlite3, ours, migrations)
        // The tool runs a sectioned file's up part only (dbmate and goose files here hold a down part too).
        const upPart = (text: string) => text.split(/^-- (?:migrate:down|\+goose Down)/m)[0]!
        for (const path of layout.toolOrder) theirs.exec(upPart(await readFile(join(directory, path), 'utf8')))
        expect(contents(ours)).toEqual(contents(theirs))
        expect((contents(ours) as { schema: unknown[] }).schema.length).toBeGreaterThan(0)
      } finally {
        ours.close()
        theirs.close()
      }
    })
  }

  it('version folders: a first release with one folder keeps its names when the next folder arrives', async () => {
    const all = await globOf('version-folders/sqlite')
    const first = Object.fromEntries(Object.entries(all).filter(([path]) => path.includes('/0.9/')))
    // One folder named like a version: the migrations folder itself, or its first version folder? Refused, not guessed.
    expect(() => migrationsFromGlob(first)).toThrow(InvalidMigrationsError)
    expect(() => migrationsFromGlob(first)).toThrow(/root: '\.\/version-folders\/sqlite\/0\.9'.*root: '\.\/version-folders\/sqlite'/)
    const then = migrationsFromGlob(first, { root: './version-folders/sqlite' }).map((m) => [m.version, m.name])
    const later = migrationsFromGlob(all).map((m) => [m.version, m.name])
    expect(then).toEqual([
      [1, '0.9-00_create_notes'],
      [2, '0.9-01_add_done'],
    ])
    expect(later.slice(0, 2)).toEqual(then)
    expect(migrationsFromGlob(all, { root: './version-folders/sqlite' }).map((m) => [m.version, m.name])).toEqual(later)
  })
})

const read = (paths: Record<string, unknown>, root?: string) =>
  readMigrationFolder(
    Object.entries(paths).map(([path, value]): MigrationFileInput => ({ path, value })),
    { root },
  )
const rules = (paths: Record<string, unknown>, root?: string) => read(paths, root).problems.map((p) => [p.rule, p.path])

describe('timestamps are one version each', () => {
  it('reads diesel, dated and plain timestamps as one number, ordered as the tools order them', () => {
    const folder = read({
      'm/2024-03-13_170000_odd/up.sql': 'x',
      'm/2018-01-14-171611_first/up.sql': 'x',
      'm/2018-12-01-000000_same_year/up.sql': 'x',
      'm/2024-03-13_date_only/up.sql': 'x',
    })
    expect(folder.problems).toEqual([])
    expect(folder.entries.map((e) => e.name)).toEqual([
      '2018-01-14-171611_first',
      '2018-12-01-000000_same_year',
      '2024-03-13_date_only',
      '2024-03-13_170000_odd',
    ])
  })
})

describe('refusals name the file and say what to do', () => {
  it('Prisma: a lock for another provider, or one that cannot be read', () => {
    const prisma = { 'p/20210101000000_init/migration.sql': 'CREATE TABLE a (x);' }
    const postgres = read({ ...prisma, 'p/migration_lock.toml': 'provider = "postgresql"\n' })
    expect(postgres.problems.map((p) => [p.rule, p.path])).toEqual([['prisma-lock', 'p/migration_lock.toml']])
    expect(postgres.problems[0]!.message).toMatch(/generated for provider "postgresql"; .* provider = "sqlite"/)
    expect(rules({ ...prisma, 'p/migration_lock.toml': { default: undefined } })).toEqual([['prisma-lock', 'p/migration_lock.toml']])
  })

  it('Flyway: repeatable, baseline and callback files (this library runs each migration once)', () => {
    const flyway = { 'f/V1__init.sql': 'x' }
    const cases: [string, RegExp][] = [
      ['f/R__views.sql', /repeatable migration.*make it a versioned migration/],
      ['f/B5__baseline.sql', /baseline migration.*applies every version in order/],
      ['f/afterMigrate.sql', /Flyway callback.*no callbacks/],
      ['f/beforeEachMigrate__log.sql', /Flyway callback/],
    ]
    for (const [path, message] of cases) {
      const folder = read({ ...flyway, [path]: 'x' })
      expect(folder.problems.map((p) => [p.rule, p.path])).toEqual([['unsupported-migration', path]])
      expect(folder.problems[0]!.message).toMatch(message)
    }
  })

  it('diesel: run_in_transaction = false in metadata.toml runs that up.sql outside a transaction, as diesel does', async () => {
    const glob = {
      './d/2018-01-14-171611_notes/up.sql': 'CREATE TABLE notes(body TEXT);',
      './d/2018-01-14-171611_notes/metadata.toml': 'run_in_transaction = true\n',
      './d/2018-02-01-100000_compact/up.sql': 'VACUUM;',
      './d/2018-02-01-100000_compact/metadata.toml': '# VACUUM cannot run in a transaction\nrun_in_transaction = false # diesel 2\n',
    }
    const migrations = migrationsFromGlob(glob)
    expect(migrations.map((m) => [m.name, m.transaction])).toEqual([
      ['2018-01-14-171611_notes', undefined],
      ['2018-02-01-100000_compact', false],
    ])
    // Applied: the VACUUM runs (inside a transaction it would fail: "cannot VACUUM from within a transaction").
    const sqlite3 = await sqlite()
    const db = new sqlite3.oo1.DB(':memory:')
    try {
      await runMigrations(sqlite3, db, migrations)
      expect(db.selectValue('PRAGMA user_version')).toBe(2)
    } finally {
      db.close()
    }
  })

  it('a glob that matched nothing, and a folder with no migration in it, name what happened', () => {
    expect(() => migrationsFromGlob({})).toThrow(/the globs matched no file: check their paths/)
    expect(() => migrationsFromGlob({}, {})).toThrow(InvalidMigrationsError)
    const folder = read({ 'm/README.md': '', 'm/1_a.down.sql': 'x' })
    expect(folder.problems.map((p) => p.rule)).toEqual(['no-migrations'])
    expect(folder.problems[0]!.message).toMatch(
      /no migration could be read from 2 file\(s\): m\/README\.md \(not SQL or code\); m\/1_a\.down\.sql \(down migration/,
    )
    expect(rules({}, 'm')).toEqual([['no-migrations', '']])
  })

  it('files that look like migrations where no layout reads them', () => {
    expect(rules({ 'm/1_a.sql': 'x', 'm/up.sql': 'x' }, 'm')).toEqual([['unread-file', 'm/up.sql']])
    expect(rules({ 'm/1_a.sql': 'x', 'm/migration.sql': 'x' }, 'm')).toEqual([['unread-file', 'm/migration.sql']])
    expect(rules({ 'm/0.9/00_a.sql': 'x', 'm/0.9/schema.sql': 'x' }, 'm')).toEqual([['unread-file', 'm/0.9/schema.sql']])
    expect(rules({ 'm/1_a.sql': 'x', 'm/2023/V2__b.sql': 'x' }, 'm')).toEqual([['unread-file', 'm/2023/V2__b.sql']])
    expect(rules({ 'm/1_a.sql': 'x', 'm/1_a/extra.sql': 'x' }, 'm')).toEqual([['unread-file', 'm/1_a/extra.sql']])
    const journal = JSON.stringify({ dialect: 'sqlite', entries: [{ idx: 0, tag: '0000_a' }] })
    expect(rules({ 'd/meta/_journal.json': journal, 'd/0000_a.sql': 'x', 'd/old/0001_b.sql': 'x' })).toEqual([
      ['unread-file', 'd/old/0001_b.sql'],
    ])
    // A schema dump beside numbered files (not version folders) keeps its old refusal: it has no version.
    expect(rules({ 'm/1_a.sql': 'x', 'm/schema.sql': 'x' }, 'm')).toEqual([['bad-file-name', 'm/schema.sql']])
  })

  it('version folders mixed with plain numbered files (one scheme per folder)', () => {
    expect(rules({ 'm/1_a.sql': 'x', 'm/0.9/00_b.sql': 'x' }, 'm')).toEqual([['mixed-versions', 'm/0.9/00_b.sql']])
  })

  it('the same version twice in a version folder, or as Flyway writes it two ways (1_1 = 1.1)', () => {
    expect(rules({ 'm/0.9/00_a.sql': 'x', 'm/0.9/0_b.sql': 'x' }, 'm')).toEqual([['duplicate-version', 'm/0.9/0_b.sql']])
    expect(rules({ 'f/V1_1__a.sql': 'x', 'f/V1.1__b.sql': 'x' }, 'f').map(([rule]) => rule)).toEqual(['duplicate-version'])
  })
})
