import { describe, expect, it } from 'vitest'

import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { InvalidMigrationsError } from '../../shared/errors'

const up = () => {}

describe('migrationsFromGlob', () => {
  it('orders SQL and code migrations numerically and reads names from file names', () => {
    const list = migrationsFromGlob(
      { './m/10_later.sql': 'SELECT 10;', './m/9_earlier.sql': 'SELECT 9;', './m/0001_first.sql': 'SELECT 1;' },
      { './m/0002_backfill.ts': { up } },
    )
    expect(list.map((m) => [m.version, m.name])).toEqual([
      [1, 'first'],
      [2, 'backfill'],
      [9, 'earlier'],
      [10, 'later'],
    ])
    expect(list[1]!.up).toBe(up)
  })

  it('accepts modules with a default SQL export and honours the no-transaction directive', () => {
    const [vacuum, code] = migrationsFromGlob({
      './1_vacuum.sql': { default: '-- sqlite-opfs-migrate: no-transaction\nVACUUM;' },
      './2_code.ts': { up, transaction: false },
    })
    expect(vacuum).toMatchObject({ version: 1, transaction: false, sql: expect.stringContaining('VACUUM') })
    expect(code).toMatchObject({ version: 2, transaction: false })
  })

  it('names the file that is badly named, duplicated or of the wrong shape', () => {
    const cases: [Parameters<typeof migrationsFromGlob>[0], RegExp][] = [
      [{ './create_notes.sql': 'SELECT 1;' }, /\.\/create_notes\.sql: migration files must be named/],
      [{ './1_a.sql': 'SELECT 1;', './001_b.sql': 'SELECT 1;' }, /\.\/001_b\.sql: duplicate version 1 \(also \.\/1_a\.sql\)/],
      [{ './3_x.ts': { notUp: true } as never }, /\.\/3_x\.ts: expected SQL text .* or a module exporting up\(db\)/],
    ]
    for (const [glob, message] of cases) {
      expect(() => migrationsFromGlob(glob)).toThrow(InvalidMigrationsError)
      expect(() => migrationsFromGlob(glob)).toThrow(message)
    }
  })
})
