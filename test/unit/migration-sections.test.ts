import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

import { describe, expect, it } from 'vitest'

import { readSqlMigrationText } from '../../core/folder/migration-sections'
import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { checksumSql } from '../../core/runner/checksum'
import { readHistory } from '../../core/runner/history'
import { runMigrations } from '../../core/runner/run-migrations'
import { checkMigrationFiles } from '../../node/check-migrations'
import { InvalidMigrationsError } from '../../shared/errors'
import type { Migration } from '../../shared/types'
import { memoryDb, rows, sqlite, tables } from './sqlite'

const FIXTURES = join(import.meta.dirname, 'fixtures', 'sections')

/** A fixture folder as `import.meta.glob(…, { query: '?raw', import: 'default', eager: true })` gives it. */
function globOf(folder: string): Record<string, string> {
  const glob: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else glob[`./${relative(join(FIXTURES, folder), path).split('\\').join('/')}`] = readFileSync(path, 'utf8')
    }
  }
  walk(join(FIXTURES, folder))
  return glob
}

const fileText = (path: string) => readFileSync(join(FIXTURES, path), 'utf8')
/** The file's text up to (not including) the line that starts with `marker`. */
const upTo = (text: string, marker: string) => text.slice(0, text.indexOf(`\n${marker}`) + 1)

async function apply(migrations: Migration[]) {
  const { sqlite3, db } = await memoryDb()
  const applied = await runMigrations(sqlite3, db, migrations)
  return { sqlite3, db, applied }
}

describe('goose files', () => {
  it('run only the Up section: Down never runs, StatementBegin/End and NO TRANSACTION are honoured', async () => {
    const migrations = migrationsFromGlob(globOf('goose'))
    const post = fileText('goose/00001_create_post.sql')
    expect(migrations[0]!.sql).toBe(upTo(post, '-- +goose Down'))
    expect(migrations.map((m) => m.transaction)).toEqual([undefined, undefined, false])
    const { db, applied } = await apply(migrations)
    // Down sections drop the tables and delete the rows: had any run, these would differ.
    expect(tables(db)).toEqual(['post', 'post_count', 'schema_migrations'])
    expect(rows(db, 'post')).toEqual([{ id: 1, title: 'hello', body: 'first post' }])
    db.exec("INSERT INTO post (id, title) VALUES (2, 'second')")
    expect(db.selectValue('SELECT n FROM post_count')).toBe(2) // the fenced trigger was created whole
    expect(applied.map((r) => [r.version, r.name])).toEqual([
      [1, 'create_post'],
      [2, 'post_trigger'],
      [3, 'vacuum'],
    ])
    for (const [i, m] of migrations.entries()) expect(applied[i]!.checksum).toBe(await checksumSql(m.sql!))
  })
})

describe('dbmate files', () => {
  it('run only the up block, honour transaction:false, and record an empty up block as a no-op', async () => {
    const migrations = migrationsFromGlob(globOf('dbmate'))
    expect(migrations[0]!.sql).toBe(upTo(fileText('dbmate/20240101120000_create_users.sql'), '-- migrate:down'))
    expect(migrations.map((m) => m.transaction)).toEqual([undefined, false, undefined])
    const { db, applied } = await apply(migrations)
    expect(tables(db)).toEqual(['schema_migrations', 'users'])
    expect(rows(db, 'users')).toEqual([{ id: 1, name: 'Ada', email: 'ada@example.com' }])
    expect(applied.map((r) => r.name)).toEqual(['20240101120000_create_users', '20240102120000_vacuum', '20240103120000_nothing_to_do'])
    expect(readHistory(db).applied.at(-1)!.checksum).toBe(await checksumSql('-- migrate:up\n\n'))
  })
})

describe('sql-migrate files', () => {
  it('run only the Up section and honour "Up notransaction"', async () => {
    const migrations = migrationsFromGlob(globOf('sql-migrate'))
    expect(migrations[0]!.sql).toBe(upTo(fileText('sql-migrate/1_people.sql'), '-- +migrate Down'))
    expect(migrations.map((m) => m.transaction)).toEqual([undefined, undefined, false])
    const { db } = await apply(migrations)
    expect(tables(db)).toEqual(['people', 'people_log', 'schema_migrations'])
    expect(rows(db, 'people')).toEqual([{ id: 1 }, { id: 2 }])
    db.exec('INSERT INTO people (id) VALUES (3)')
    expect(rows(db, 'people_log')).toEqual([{ id: 3 }])
  })
})

describe('sqlx files', () => {
  it('run whole, and a first line "-- no-transaction" runs the file outside a transaction', async () => {
    const migrations = migrationsFromGlob(globOf('sqlx'))
    expect(migrations.map((m) => m.transaction)).toEqual([undefined, false])
    const { db } = await apply(migrations)
    expect(rows(db, 'todos')).toEqual([{ id: 1, description: 'write the migration', done: 0 }])
    // Only the first line counts, as in sqlx: further down it is an ordinary comment.
    expect(readSqlMigrationText('SELECT 1;\n-- no-transaction\n').transaction).toBe(true)
  })
})

describe('checksums', () => {
  it('of plain SQL files are exactly what they were (deployed databases store them)', async () => {
    // sha-256 of the CRLF-normalised text, computed outside the library when the reader was introduced.
    const pinned: Record<string, string> = {
      '0001_create_notes.sql': '5272425af5d07372b827f6cff1495db8b7785daf0a20a07bb7deb71f60eb6adf',
      '0002_create_tags.sql': '5ea9064dc85614ec9ab975e14feed669dbf4f90bf14546d803787aba5f3cc4f9',
      '0003_add_done.sql': '0f33ec72a72b88dacd0f6b7570dbec8d51f26f32ecf4ae484247c8156f8c122e',
      '0004_rebuild_notes_with_updated_at.sql': '20ec4920405a64f92029e3082f52ae594e67d1a6522525c5fe92e8b847e66dae',
    }
    const folder = join(import.meta.dirname, '..', '..', 'migrations')
    const glob = Object.fromEntries(Object.keys(pinned).map((name) => [`./${name}`, readFileSync(join(folder, name), 'utf8')]))
    for (const m of migrationsFromGlob(glob)) expect(await checksumSql(m.sql!)).toBe(Object.values(pinned)[m.version - 1])
    const [plain] = migrationsFromGlob({ './1_t.sql': 'CREATE TABLE t(a);\r\n' })
    expect(await checksumSql(plain!.sql!)).toBe('41e607e6368e2257f381129954ac878d4dd005af951abfbef232fab4b11889a1')
  })

  it('of a sectioned file cover what runs: editing Down keeps it, editing Up or the header changes it', async () => {
    const file = (up: string, down: string) => `-- header\n-- +goose Up\n${up}\n-- +goose Down\n${down}\n`
    const sum = async (text: string) => checksumSql(migrationsFromGlob({ './1_a.sql': text })[0]!.sql!)
    const original = await sum(file('CREATE TABLE a(x);', 'DROP TABLE a;'))
    expect(await sum(file('CREATE TABLE a(x);', 'DROP TABLE IF EXISTS a;\n-- and more'))).toBe(original)
    expect(await sum(file('CREATE TABLE a(x, y);', 'DROP TABLE a;'))).not.toBe(original)
    expect(await sum(file('CREATE TABLE a(x);', 'DROP TABLE a;').replace('-- header', '-- +goose NO TRANSACTION'))).not.toBe(original)
    expect(original).toBe(await checksumSql('-- header\n-- +goose Up\nCREATE TABLE a(x);\n'))
  })
})

describe('build time and run time', () => {
  it('read a file the same way: the check (Vite plugin, CLI) embeds the very up part and checksum the browser computes', async () => {
    for (const tool of ['goose', 'dbmate', 'sql-migrate', 'sqlx']) {
      const glob = globOf(tool)
      const checked = await checkMigrationFiles(
        await sqlite(),
        Object.entries(glob).map(([path, value]) => ({ path, value })),
      )
      expect(checked.ok).toBe(true)
      const atRunTime = migrationsFromGlob(glob)
      expect(checked.migrations.map((m) => [m.migration.sql, m.migration.transaction, m.checksum])).toEqual(
        await Promise.all(atRunTime.map(async (m) => [m.sql, m.transaction, await checksumSql(m.sql!)])),
      )
      expect(checked.migrations.every((m) => m.sqlFormat === (tool === 'sqlx' ? 'plain' : tool))).toBe(true)
    }
  })

  it('a list built by hand whose SQL still holds a down section is refused before the database is touched', async () => {
    const { sqlite3, db } = await memoryDb()
    for (const [text, format, line] of [
      [fileText('goose/00001_create_post.sql'), 'goose', 10],
      [fileText('dbmate/20240101120000_create_users.sql'), 'dbmate', 9],
      [fileText('sql-migrate/1_people.sql'), 'sql-migrate', 6],
    ] as const) {
      const error = await runMigrations(sqlite3, db, [{ version: 1, name: 'raw', sql: text }]).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidMigrationsError)
      expect((error as Error).message).toMatch(new RegExp(`holds a ${format} down section \\(line ${line}\\).*migrationsFromGlob`))
    }
    expect(tables(db)).toEqual([])
  })

  it('the check tells how each format asks for no transaction', async () => {
    const checked = await checkMigrationFiles(await sqlite(), [{ path: 'm/1_v.sql', value: '-- +goose Up\nVACUUM;\n-- +goose Down\n' }])
    expect(checked.diagnostics.map((d) => [d.rule, d.line])).toEqual([['needs-no-transaction', 2]])
    expect(checked.diagnostics[0]!.message).toMatch(/"-- \+goose NO TRANSACTION"/)
  })
})

describe('malformed sectioned files', () => {
  const cases: [string, string, number, RegExp][] = [
    ['goose: no Up', '-- +goose Down\nDROP TABLE a;\n', 1, /"-- \+goose Down" before "-- \+goose Up"/],
    ['goose: annotations only, no Up', '-- +goose NO TRANSACTION\nVACUUM;\n', 2, /SQL before "-- \+goose Up"/],
    ['goose: comments only, no Up', '-- +goose NO TRANSACTION\n-- nothing else\n', 1, /no "-- \+goose Up" annotation/],
    ['goose: SQL before Up', 'CREATE TABLE a(x);\n-- +goose Up\nSELECT 1;\n', 1, /SQL before "-- \+goose Up"/],
    ['goose: two Ups', '-- +goose Up\nSELECT 1;\n-- +goose Up\nSELECT 2;\n', 3, /second "-- \+goose Up"/],
    ['goose: two Downs', '-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n-- +goose Down\n', 5, /second "-- \+goose Down"/],
    ['goose: unknown annotation', '-- +goose Up\n-- +goose NOTRANSACTION\nSELECT 1;\n', 2, /unknown annotation "-- \+goose NOTRANSACTION"/],
    ['goose: upper-case +GOOSE', '-- +GOOSE Up\nSELECT 1;\n', 1, /lower case only/],
    ['goose: indented annotation', '-- +goose Up\nSELECT 1;\n  -- +goose Down\nDROP TABLE a;\n', 3, /leading whitespace/],
    [
      'goose: StatementBegin never ended',
      '-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n',
      2,
      /StatementBegin" without a StatementEnd/,
    ],
    ['goose: StatementEnd alone', '-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n', 3, /StatementEnd" without a StatementBegin/],
    [
      'goose: Down inside a statement',
      '-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose Down\n',
      4,
      /inside the StatementBegin of line 2/,
    ],
    ['goose: ENVSUB ON', '-- +goose ENVSUB ON\n-- +goose Up\nCREATE TABLE ${T} (x);\n', 1, /environment variables/],
    ['dbmate: no down block', '-- migrate:up\ncreate table a (x);\n', 1, /no "-- migrate:down"/],
    ['dbmate: down before up', '-- migrate:down\ndrop table a;\n-- migrate:up\ncreate table a (x);\n', 1, /before "-- migrate:up"/],
    [
      'dbmate: statement before up',
      'create table b (x);\n-- migrate:up\ncreate table a (x);\n-- migrate:down\n',
      1,
      /SQL before "-- migrate:up"/,
    ],
    [
      'dbmate: two downs',
      '-- migrate:up\nselect 1;\n-- migrate:down\nselect 2;\n-- migrate:down\n',
      5,
      /second "-- migrate:down" \(also line 3\)/,
    ],
    [
      'dbmate: several sections',
      '-- migrate:up\nselect 1;\n-- migrate:down\n-- migrate:up\nselect 2;\n-- migrate:down\n',
      4,
      /second "-- migrate:up" section.*split them/,
    ],
    ['dbmate: upper case', '-- migrate:up\nselect 1;\n-- MIGRATE:DOWN\nselect 2;\n', 3, /not a dbmate marker/],
    ['dbmate: indented marker', '-- migrate:up\nselect 1;\n  -- migrate:down\ndrop table a;\n', 3, /indented/],
    ['dbmate: odd transaction option', '-- migrate:up transaction:FALSE\nvacuum;\n-- migrate:down\n', 1, /exactly "false"/],
    [
      'sql-migrate: lower-case command',
      '-- +migrate Up\nCREATE TABLE a(x);\n-- +migrate down\nDROP TABLE a;\n',
      3,
      /unknown command "down"/,
    ],
    ['sql-migrate: no space', '--+migrate Up\nCREATE TABLE a(x);\n', 1, /needs a line starting exactly "-- \+migrate "/],
    ['sql-migrate: SQL before Up', 'CREATE TABLE b(x);\n-- +migrate Up\nCREATE TABLE a(x);\n', 1, /SQL before "-- \+migrate Up"/],
    [
      'sql-migrate: Up after Down',
      '-- +migrate Down\nDROP TABLE a;\n-- +migrate Up\nCREATE TABLE a(x);\n',
      3,
      /Up" after "-- \+migrate Down"/,
    ],
    ['sql-migrate: StatementBegin never ended', '-- +migrate Up\n-- +migrate StatementBegin\nSELECT 1;\n', 2, /without a StatementEnd/],
    ['two tools in one file', '-- +goose Up\nSELECT 1;\n-- migrate:down\n', 3, /dbmate marker in a goose file/],
  ]
  it.each(cases)('%s is refused with file and line', (_, text, line, message) => {
    let error: unknown
    try {
      migrationsFromGlob({ './m/7_bad.sql': text })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidMigrationsError)
    expect((error as InvalidMigrationsError).message).toMatch(new RegExp(`^\\./m/7_bad\\.sql:${line}: `))
    expect((error as InvalidMigrationsError).message).toMatch(message)
    expect((error as InvalidMigrationsError).line).toBe(line)
    expect((error as InvalidMigrationsError).entry).toBe('./m/7_bad.sql')
  })

  it('accepts what the tools accept: comments before Up, "--migrate:up", a Down-only sql-migrate file, CRLF', () => {
    expect(readSqlMigrationText('\n-- about\n-- +goose Up\nSELECT 1;\n').sql).toBe('\n-- about\n-- +goose Up\nSELECT 1;\n')
    expect(readSqlMigrationText('---- +goose up\nSELECT 1;\n-- +goose down\n')).toMatchObject({
      format: 'goose',
      sql: '---- +goose up\nSELECT 1;\n',
    })
    expect(readSqlMigrationText('--migrate:up\nselect 1;\n--migrate:down\n').sql).toBe('--migrate:up\nselect 1;\n')
    expect(readSqlMigrationText('-- +migrate Down\nDROP TABLE a;\n')).toMatchObject({ format: 'sql-migrate', sql: '' })
    expect(readSqlMigrationText('-- +goose Up\r\nSELECT 1;\r\n-- +goose Down\r\nSELECT 2;\r\n').sql).toBe('-- +goose Up\r\nSELECT 1;\r\n')
    // Comments that merely mention a tool leave a plain file plain.
    expect(readSqlMigrationText('-- Migrate: run after the deploy\n-- goose did this before\nSELECT 1;\n').format).toBe('plain')
  })
})
