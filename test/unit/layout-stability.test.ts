import { describe, expect, it } from 'vitest'

import { readMigrationFolder } from '../../core/folder/migration-files'
import { migrationsRoot, readMigrationsDirectory } from '../../node/read-migrations-directory'

// Databases already deployed store each migration's version and name, and the history check refuses a renamed one:
// every layout that was read before must keep exactly the versions and names it had. The expected values below were
// produced by the folder reader as it was before version folders, timestamps and Flyway versions were read.
const cases: Record<string, Record<string, string>> = {
  'numbered with gaps': {
    'migrations/0001_create_notes.sql': 'x',
    'migrations/0002_backfill.ts': 'x',
    'migrations/10_later.sql': 'x',
    'migrations/index.ts': '',
  },
  'golang-migrate up/down': {
    'db/000001_init.up.sql': 'x',
    'db/000001_init.down.sql': 'x',
    'db/000002_tags.up.sql': 'x',
    'db/000002_tags.down.sql': 'x',
  },
  'sqlx timestamps': {
    'migrations/20210101000000_init.sql': 'x',
    'migrations/20210102000000_tags.up.sql': 'x',
    'migrations/20210102000000_tags.down.sql': 'x',
  },
  'directory up.sql': { 'm/0001_init/up.sql': 'x', 'm/0001_init/down.sql': 'x', 'm/0002_tags/up.sql': 'x' },
  dotted: { './0.28_later.sql': 'x', './0.3_earlier.sql': 'x', './1.0.0_one.up.sql': 'x', './0.3.1_patch.sql': 'x' },
  'zero-based': { './0000_init.sql': 'x', './0001_next.sql': 'x' },
  'flyway integers': { 'sql/V1__init.sql': 'x', 'sql/V2__add_tags.sql': 'x', 'sql/V10__later.sql': 'x' },
  'flyway dotted': { 'sql/V1.1__init.sql': 'x', 'sql/V1.2__add_tags.sql': 'x', 'sql/V2.0__later.sql': 'x' },
  'lowercase v': { './v1_init.sql': 'x', './v2_next.sql': 'x' },
  dashes: { './001-init.sql': 'x', './002-next.sql': 'x' },
  'goose timestamps': { 'db/20230101120000_init.sql': 'x', 'db/20230301120000_next.sql': 'x' },
  'folder named v1': { 'db/v1/0001_init.sql': 'x', 'db/v1/0002_next.sql': 'x' },
  // Flyway-like names with golang-migrate's .up/.down: not Flyway (its V1 would be there twice), read as up/down files.
  'V-prefixed up/down': { 'db/V1__init.up.sql': 'x', 'db/V1__init.down.sql': 'x', 'db/V2__next.up.sql': 'x', 'db/V2__next.down.sql': 'x' },
}

const before: Record<string, [number, string][]> = {
  'numbered with gaps': [
    [1, 'create_notes'],
    [2, 'backfill'],
    [10, 'later'],
  ],
  'golang-migrate up/down': [
    [1, 'init'],
    [2, 'tags'],
  ],
  'sqlx timestamps': [
    [1, '20210101000000_init'],
    [2, '20210102000000_tags'],
  ],
  'directory up.sql': [
    [1, 'init'],
    [2, 'tags'],
  ],
  dotted: [
    [1, '0.3_earlier'],
    [2, '0.3.1_patch'],
    [3, '0.28_later'],
    [4, '1.0.0_one'],
  ],
  'zero-based': [
    [1, '0000_init'],
    [2, '0001_next'],
  ],
  'flyway integers': [
    [1, 'init'],
    [2, 'add_tags'],
    [10, 'later'],
  ],
  'flyway dotted': [
    [1, '1.1_init'],
    [2, '1.2_add_tags'],
    [3, '2.0_later'],
  ],
  'lowercase v': [
    [1, 'init'],
    [2, 'next'],
  ],
  dashes: [
    [1, 'init'],
    [2, 'next'],
  ],
  'goose timestamps': [
    [1, '20230101120000_init'],
    [2, '20230301120000_next'],
  ],
  'folder named v1': [
    [1, 'init'],
    [2, 'next'],
  ],
  'V-prefixed up/down': [
    [1, 'init'],
    [2, 'next'],
  ],
}

const read = (paths: Record<string, string>, root?: string) =>
  readMigrationFolder(
    Object.entries(paths).map(([path, value]) => ({ path, value })),
    { root },
  )

describe('layouts that were read before keep their versions and names', () => {
  for (const [name, paths] of Object.entries(cases)) {
    it(name, () => {
      // As the Node reader gives them (the folder known), and as a glob does (the folder inferred).
      const folder = Object.keys(paths)[0]!
        .replace(/\/[^/]*$/, '')
        .replace(/\/0001_init$/, '')
      const known = read(paths, folder)
      expect(known.problems).toEqual([])
      expect(known.entries.map((e) => [e.version, e.name])).toEqual(before[name])
      const inferred = read(paths)
      if (name === 'folder named v1') {
        // A glob of one folder named like a version cannot tell whether it is the folder or a version folder of it.
        expect(inferred.problems.map((p) => p.rule)).toEqual(['ambiguous-root'])
        expect(inferred.problems[0]!.message).toMatch(/root: 'db\/v1'.*root: 'db'/)
      } else expect(inferred.entries.map((e) => [e.version, e.name])).toEqual(before[name])
    })
  }

  it('the demo app and the plugin test app read from disk as before', async () => {
    for (const [directory, expected] of [
      [
        'migrations',
        [
          [1, 'create_notes'],
          [2, 'create_tags'],
          [3, 'add_done'],
          [4, 'rebuild_notes_with_updated_at'],
          [5, 'backfill_tags_from_hashtags'],
        ],
      ],
      [
        'test/package/plugin-app/migrations',
        [
          [1, 'items'],
          [2, 'rebuild_items'],
        ],
      ],
    ] as const) {
      const files = await readMigrationsDirectory(directory, { importModule: async () => ({ up() {} }) })
      const folder = readMigrationFolder(files, { root: migrationsRoot(directory) })
      expect(folder.entries.map((e) => [e.version, e.name])).toEqual(expected)
      expect(folder.problems).toEqual([])
    }
  })
})
