import { describe, expect, it } from 'vitest'

import { readMigrationFolder } from '../../core/folder/migration-files'
import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { compareVersionKeys } from '../../core/folder/version-key'

const files = (paths: Record<string, unknown>) => Object.entries(paths).map(([path, value]) => ({ path, value }))
const summary = (paths: Record<string, unknown>) =>
  readMigrationFolder(files(paths)).entries.map((e) => [e.version, e.name, e.format, e.kind])

describe('compareVersionKeys', () => {
  it('compares versions as numbers, component by component, never as strings', () => {
    expect(['0.28', '0.3', '1.0', '0.10.1', '0.10'].sort(compareVersionKeys)).toEqual(['0.3', '0.10', '0.10.1', '0.28', '1.0'])
    expect(['10', '9', '0002'].sort(compareVersionKeys)).toEqual(['0002', '9', '10'])
    expect(compareVersionKeys('1.2', '1.2.0')).toBe(0)
    expect(compareVersionKeys('v2', '1.9')).toBeGreaterThan(0)
    // Timestamps beyond 2^53 still compare exactly.
    expect(compareVersionKeys('20240105093000123', '20240105093000122')).toBeGreaterThan(0)
  })
})

describe('readMigrationFolder', () => {
  it('reads <version>_<name>.up.sql and ignores .down.sql', () => {
    const folder = readMigrationFolder(files({ './2_b.up.sql': 'B', './2_b.down.sql': 'x', './1_a.up.sql': 'A', './1_a.down.sql': 'x' }))
    expect(folder.entries.map((e) => [e.version, e.name, e.format, e.value])).toEqual([
      [1, 'a', 'up-down', 'A'],
      [2, 'b', 'up-down', 'B'],
    ])
    expect(folder.ignored.map((f) => [f.path, f.reason]).sort()).toEqual([
      ['./1_a.down.sql', 'down migration (only up migrations run)'],
      ['./2_b.down.sql', 'down migration (only up migrations run)'],
    ])
    expect(folder.problems).toEqual([])
  })

  it('reads <version>_<name>/up.sql directories and ignores down.sql beside them', () => {
    expect(summary({ 'm/0002_tags/up.sql': 'B', 'm/0002_tags/down.sql': 'x', 'm/0001_init/up.sql': 'A' })).toEqual([
      [1, 'init', 'directory', 'sql'],
      [2, 'tags', 'directory', 'sql'],
    ])
  })

  it('orders semantic versions numerically and numbers them by position, keeping the written version in the name', () => {
    expect(summary({ './0.28_later.sql': 'x', './0.3_earlier.sql': 'x', './1.0.0_one.up.sql': 'x', './0.3.1_patch.sql': 'x' })).toEqual([
      [1, '0.3_earlier', 'numbered', 'sql'],
      [2, '0.3.1_patch', 'numbered', 'sql'],
      [3, '0.28_later', 'numbered', 'sql'],
      [4, '1.0.0_one', 'up-down', 'sql'],
    ])
  })

  it('numbers timestamps and zero-based versions by position (user_version is a 32-bit integer from 1)', () => {
    expect(summary({ './20240105093000_b.sql': 'x', './20231201120000_a.sql': 'x' }).map((e) => e.slice(0, 2))).toEqual([
      [1, '20231201120000_a'],
      [2, '20240105093000_b'],
    ])
    expect(summary({ './0000_init.sql': 'x', './0001_next.sql': 'x' }).map((e) => e.slice(0, 2))).toEqual([
      [1, '0000_init'],
      [2, '0001_next'],
    ])
  })

  it('keeps plain integer versions as they are, gaps included', () => {
    expect(summary({ './10_c.sql': 'x', './2_b.ts': { up() {} }, './1_a.sql': 'x' })).toEqual([
      [1, 'a', 'numbered', 'sql'],
      [2, 'b', 'numbered', 'code'],
      [10, 'c', 'numbered', 'sql'],
    ])
  })

  it('reports bad names and duplicate versions (1.2 = 1.2.0) with the file, and ignores helpers and docs', () => {
    const folder = readMigrationFolder(
      files({ './create.sql': 'x', './1.2_a.sql': 'x', './1.2.0_b.sql': 'x', './index.ts': {}, './README.md': '', './types.d.ts': '' }),
    )
    expect(folder.problems.map((p) => [p.rule, p.path])).toEqual([
      ['bad-file-name', './create.sql'],
      ['duplicate-version', './1.2.0_b.sql'],
    ])
    expect(folder.ignored.map((f) => [f.path, f.reason]).sort()).toEqual([
      ['./README.md', 'not SQL or code'],
      ['./index.ts', 'code without a version in its name (a helper, not a migration)'],
      ['./types.d.ts', 'test or type declarations, not a migration'],
    ])
  })

  it('refuses a folder mixing plain and dotted versions (it would renumber every migration already deployed)', () => {
    const folder = readMigrationFolder(files({ './1_a.sql': 'x', './2_b.sql': 'x', './2.1_c.sql': 'x' }))
    expect(folder.entries).toEqual([])
    expect(folder.problems.map((p) => [p.rule, p.path])).toEqual([['mixed-versions', './2.1_c.sql']])
  })

  it('takes migrations from the folder itself and <version>_<name>/up.sql; ignores helpers, tests and unversioned SQL in other folders', () => {
    const folder = readMigrationFolder(
      files({
        'm/0001_a.sql': 'x',
        'm/0002_b/up.sql': 'x',
        'm/fixtures/seed.sql': 'x',
        'm/0003_C.SQL': 'x',
        'm/0004_helpers.test.ts': {},
      }),
    )
    expect(folder.entries.map((e) => [e.version, e.path])).toEqual([
      [1, 'm/0001_a.sql'],
      [2, 'm/0002_b/up.sql'],
      [3, 'm/0003_C.SQL'],
    ])
    expect(folder.problems).toEqual([])
    expect(folder.ignored.map((f) => [f.path, f.reason])).toEqual([
      ['m/fixtures/seed.sql', 'in fixtures/, which is not a migration folder'],
      ['m/0004_helpers.test.ts', 'test or type declarations, not a migration'],
    ])
  })

  it('refuses files that look like migrations in folders no layout reads (they would silently never run)', () => {
    const folder = readMigrationFolder(
      files({
        'm/0001_a.sql': 'x',
        'm/drafts/0003_wip.sql': 'x',
        'm/0002_b/up.sql': 'x',
        'm/0002_b/notes/0009_x.sql': 'x',
        'm/0002_b/seed.sql': 'x',
        'm/nover/up.sql': 'x',
      }),
    )
    expect(folder.problems.map((p) => [p.rule, p.path])).toEqual([
      ['unread-file', 'm/drafts/0003_wip.sql'],
      ['unread-file', 'm/0002_b/notes/0009_x.sql'],
      ['unread-file', 'm/0002_b/seed.sql'],
      ['unread-file', 'm/nover/up.sql'],
    ])
    expect(folder.problems[0]!.message).toMatch(/looks like a migration, but drafts\/ is not a migration folder/)
  })

  it('reads Drizzle Kit output in journal order; a .sql file missing from the journal, or the reverse, is a problem', () => {
    const journal = JSON.stringify({
      version: '7',
      dialect: 'sqlite',
      entries: [
        { idx: 1, version: '6', when: 2, tag: '0001_add_tags', breakpoints: true },
        { idx: 0, version: '6', when: 1, tag: '0000_cool_start', breakpoints: true },
      ],
    })
    const drizzle = {
      'drizzle/meta/_journal.json': journal,
      'drizzle/meta/0000_snapshot.json': '{}',
      'drizzle/0000_cool_start.sql': 'CREATE TABLE a (x);\n--> statement-breakpoint\nCREATE TABLE b (y);',
      'drizzle/0001_add_tags.sql': 'CREATE TABLE tags (id);',
    }
    const folder = readMigrationFolder(files(drizzle))
    expect(folder.entries.map((e) => [e.version, e.name, e.format])).toEqual([
      [1, '0000_cool_start', 'drizzle'],
      [2, '0001_add_tags', 'drizzle'],
    ])
    expect(folder.problems).toEqual([])
    const stray = readMigrationFolder(files({ ...drizzle, 'drizzle/0002_forgotten.sql': 'x' }))
    expect(stray.problems.map((p) => [p.rule, p.path])).toEqual([['drizzle-journal', 'drizzle/0002_forgotten.sql']])
    const { 'drizzle/0001_add_tags.sql': _, ...missing } = drizzle
    expect(readMigrationFolder(files(missing)).problems[0]!.message).toMatch(/0001_add_tags\.sql: listed in .* but missing/)
    const postgres = { 'drizzle/meta/_journal.json': JSON.stringify({ dialect: 'postgresql', entries: [] }) }
    expect(readMigrationFolder(files(postgres)).problems[0]!.message).toMatch(/generated for postgresql/)
  })
})

describe('migrationsFromGlob', () => {
  it('accepts a globbed Drizzle folder (journal included) and up/down files', () => {
    const drizzle = migrationsFromGlob({
      './drizzle/meta/_journal.json': JSON.stringify({ entries: [{ idx: 0, tag: '0000_init' }] }),
      './drizzle/0000_init.sql': 'CREATE TABLE a (x);',
    })
    expect(drizzle).toEqual([{ version: 1, name: '0000_init', sql: 'CREATE TABLE a (x);' }])
    expect(migrationsFromGlob({ './1_a.up.sql': 'A', './1_a.down.sql': 'D' })).toEqual([{ version: 1, name: 'a', sql: 'A' }])
  })
})
