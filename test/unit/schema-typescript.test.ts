import { describe, expect, it } from 'vitest'

import { digestInTypes, readTypedSchema, schemaTypeScript } from '../../core/schema/schema-typescript'
import { checkMigrationFiles } from '../../node/check-migrations'
import { HISTORY_TABLE } from '../../shared/stored-names'
import { memoryDb, sqlite } from './sqlite'

/** The types of a folder given as `{ path: sql }`, as `sqlite-opfs-migrate types` renders them. */
async function typesOf(files: Record<string, string>): Promise<string> {
  const result = await checkMigrationFiles(
    await sqlite(),
    Object.entries(files).map(([path, value]) => ({ path, value })),
    { root: 'm' },
  )
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
  return schemaTypeScript(result.schema!, { source: 'm', version: result.migrations.at(-1)!.migration.version })
}

/** The members of one generated interface, as `name: type` lines. */
function membersOf(types: string, name: string): string[] {
  const block = new RegExp(`export interface ${name} \\{\\n([^}]*)\\}`).exec(types)
  if (!block) throw new Error(`no interface ${name} in:\n${types}`)
  return block[1]!
    .trim()
    .split('\n')
    .map((line) => line.trim())
}

const APP = {
  'm/0001_notes.sql': `
    CREATE TABLE notes (
      id INTEGER PRIMARY KEY,
      title TEXT NOT NULL,
      body TEXT,
      score REAL DEFAULT 0,
      price DECIMAL(10, 2),
      due DATETIME,
      photo BLOB,
      extra,
      legacy VARCHAR(20) NOT NULL DEFAULT 'x'
    );
    CREATE TABLE drafts (id INTEGER PRIMARY KEY, text TEXT);`,
  'm/0002_strict.sql': `
    CREATE TABLE events (
      seq INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      payload ANY,
      at INT NOT NULL DEFAULT (unixepoch()),
      day TEXT GENERATED ALWAYS AS (date(at, 'unixepoch')) VIRTUAL,
      size INTEGER AS (length(kind)) STORED NOT NULL
    ) STRICT;
    CREATE TABLE keyed (code TEXT PRIMARY KEY, label TEXT) STRICT;
    CREATE TABLE note_tags (note_id INTEGER, tag TEXT, PRIMARY KEY (note_id, tag)) WITHOUT ROWID;
    CREATE TABLE loose (name TEXT PRIMARY KEY, n INTEGER);
    CREATE TABLE quirk (n INTEGER PRIMARY KEY DESC, v TEXT);`,
  'm/0003_changes.sql': `
    ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE notes DROP COLUMN extra;
    ALTER TABLE notes RENAME COLUMN body TO content;
    DROP TABLE drafts;
    CREATE TABLE "order items" ("item id" INTEGER PRIMARY KEY, "it's" TEXT, [class] TEXT, "2nd" INT);
    CREATE TABLE OrderItems (x INTEGER);
    CREATE TABLE db (x TEXT);
    CREATE VIEW open_notes AS SELECT id, title, done + 1 AS next, 'a' AS constant FROM notes WHERE done = 0;`,
}

describe('schemaTypeScript', () => {
  it('types columns by SQLite affinity, after ADD/DROP/RENAME COLUMN, with Generated<> where SQLite fills them in', async () => {
    const types = await typesOf(APP)
    expect(membersOf(types, 'Notes')).toEqual([
      'id: Generated<number>', // rowid alias: never null, assigned when left out
      'title: string',
      'content: string | null', // renamed from body
      'score: Generated<number | null>', // DEFAULT 0, nullable
      'price: number | null', // DECIMAL: NUMERIC affinity
      'due: number | null', // DATETIME: NUMERIC affinity
      'photo: Uint8Array | null',
      'legacy: Generated<string>', // VARCHAR: TEXT affinity
      'done: Generated<number>', // added by ALTER TABLE; `extra` (untyped) was dropped
    ])
    expect(types).not.toMatch(/\bextra\b|\bbody\b|Drafts|drafts/) // dropped column, renamed column, dropped table
  })

  it('STRICT types, generated columns, and the primary keys SQLite makes NOT NULL (WITHOUT ROWID, STRICT; not the DESC quirk)', async () => {
    const types = await typesOf(APP)
    expect(membersOf(types, 'Events')).toEqual([
      'seq: Generated<number>',
      'kind: string',
      'payload: SqlValue | null', // ANY
      'at: Generated<number>', // DEFAULT (unixepoch())
      'day: GeneratedAlways<string | null>', // generated VIRTUAL: neither inserted nor updated
      'size: GeneratedAlways<number>', // generated STORED NOT NULL
    ])
    expect(membersOf(types, 'Keyed')).toEqual(['code: string', 'label: string | null'])
    expect(membersOf(types, 'NoteTags')).toEqual(['note_id: number', 'tag: string'])
    expect(membersOf(types, 'Loose')).toEqual(['name: string | null', 'n: number | null']) // a rowid table's TEXT PRIMARY KEY may hold NULL
    expect(membersOf(types, 'Quirk')).toEqual(['n: number | null', 'v: string | null']) // INTEGER PRIMARY KEY DESC is no rowid alias
  })

  it('views as read-only rows, quoted names, unique interface names, DB in schema order, without the history table', async () => {
    const types = await typesOf(APP)
    expect(membersOf(types, 'OpenNotes')).toEqual([
      'id: GeneratedAlways<number | null>',
      'title: GeneratedAlways<string | null>',
      'next: GeneratedAlways<unknown>',
      'constant: GeneratedAlways<unknown>',
    ])
    expect(membersOf(types, 'OrderItems2')).toEqual([
      "'item id': Generated<number>",
      `"it's": string | null`,
      'class: string | null',
      "'2nd': number | null",
    ])
    expect(membersOf(types, 'DB')).toEqual([
      'OrderItems: OrderItems',
      'db: Db2', // DB is the map's own name
      'events: Events',
      'keyed: Keyed',
      'loose: Loose',
      'note_tags: NoteTags',
      'notes: Notes',
      "'order items': OrderItems2",
      'quirk: Quirk',
      'open_notes: OpenNotes',
    ])
    expect(types).not.toMatch(/schema_migrations:|SchemaMigrations/)
    expect(types).toMatch(/^\/\/ Generated by sqlite-opfs-migrate from m\/ at version 3\. Do not edit/)
  })

  it('is deterministic, and its digest follows the schema and the version, not how the folder was written', async () => {
    const first = await typesOf(APP)
    expect(await typesOf(APP)).toBe(first)
    const spelledOtherwise = await typesOf({
      ...APP,
      'm/0003_changes.sql': APP['m/0003_changes.sql'].replace('ALTER TABLE notes ADD COLUMN', 'alter   table "notes" add column'),
    })
    expect(spelledOtherwise).toBe(first)
    const digest = digestInTypes(first)
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    // Reformatting the file keeps its digest; a later migration (even one that changes no table) changes it.
    expect(digestInTypes(first.replaceAll('\n\n', '\n').replaceAll("'", '"'))).toBe(digest)
    const later = await typesOf({ ...APP, 'm/0004_data.sql': "UPDATE notes SET title = 'x';" })
    expect(digestInTypes(later)).not.toBe(digest)
    const changed = await typesOf({ ...APP, 'm/0004_col.sql': 'ALTER TABLE keyed ADD COLUMN n INTEGER;' })
    expect(membersOf(changed, 'Keyed')).toEqual(['code: string', 'label: string | null', 'n: number | null'])
  })

  it("leaves out the library's history table and a virtual table's shadow tables; a virtual table's columns are nullable", async () => {
    const { db } = await memoryDb()
    try {
      db.exec(`CREATE TABLE ${HISTORY_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`)
      db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL)')
      db.exec('CREATE VIRTUAL TABLE notes_fts USING fts5(title, body)')
      const types = schemaTypeScript(readTypedSchema(db), { source: 'migrations', version: 2 })
      expect(membersOf(types, 'DB')).toEqual(['notes: Notes', 'notes_fts: NotesFts'])
      expect(membersOf(types, 'NotesFts')).toEqual(['title: unknown', 'body: unknown'])
    } finally {
      db.close()
    }
  })

  it('types a view SQLite cannot read (a table it reads was dropped) as an empty row, saying why, instead of failing', async () => {
    const types = await typesOf({
      'm/0001_a.sql': 'CREATE TABLE a (x INTEGER NOT NULL); CREATE VIEW v AS SELECT x FROM a;',
      'm/0002_drop.sql': 'DROP TABLE a;',
    })
    expect(types).toMatch(
      /\/\*\* View v \(read-only rows\)\. SQLite cannot read it: .*no such table: main\.a.* \*\/\nexport interface V \{\n\}/,
    )
    expect(membersOf(types, 'DB')).toEqual(['v: V'])
  })
})
