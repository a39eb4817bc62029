import { describe, expect, it } from 'vitest'

import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { readHistory } from '../../core/runner/history'
import { runMigrations } from '../../core/runner/run-migrations'
import type { Migration } from '../../shared/types'
import { memoryDb, rows, tables } from './sqlite'

// The SQLite "12-step" table rebuild as other tools write it: their own transaction and foreign-key pragmas.
const rebuild = `PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE new_child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id), label TEXT NOT NULL DEFAULT '');
INSERT INTO new_child (id, parent_id) SELECT id, parent_id FROM child;
DROP TABLE child;
ALTER TABLE new_child RENAME TO child;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys=ON;`

const base: Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `CREATE TABLE parent (id INTEGER PRIMARY KEY);
          CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id));
          INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (10, 1), (11, 2);`,
  },
]

describe('migrations written for other tools', () => {
  it('runs a file with its own BEGIN/COMMIT and PRAGMA foreign_keys inside the runner’s one transaction', async () => {
    const { sqlite3, db } = await memoryDb()
    await runMigrations(sqlite3, db, base)
    const before = rows(db, 'child')
    await runMigrations(sqlite3, db, [...base, { version: 2, name: 'rebuild', sql: rebuild }])
    expect(rows(db, 'child')).toEqual(before.map((r) => ({ ...r, label: '' })))
    expect(db.selectValue('PRAGMA foreign_keys')).toBe(1) // put back as the connection had it
    expect(readHistory(db).version).toBe(2)
  })

  it('undoes the whole file (its own COMMIT included) when a later statement fails', async () => {
    const { sqlite3, db } = await memoryDb()
    await runMigrations(sqlite3, db, base)
    const failing = rebuild.replace('COMMIT;', 'INSERT INTO child (id, parent_id) VALUES (12, 99);\nCOMMIT;')
    await expect(runMigrations(sqlite3, db, [...base, { version: 2, name: 'rebuild', sql: failing }])).rejects.toThrow(/FOREIGN KEY/)
    expect(tables(db)).toEqual(['child', 'parent', 'schema_migrations'])
    expect(db.selectValues("SELECT name FROM pragma_table_info('child')")).toEqual(['id', 'parent_id'])
    expect(readHistory(db).version).toBe(1)
  })

  it('refuses a ROLLBACK in a file (it would discard the migration) but runs ROLLBACK TO a savepoint', async () => {
    const { sqlite3, db } = await memoryDb()
    await expect(runMigrations(sqlite3, db, [{ version: 1, name: 'x', sql: 'CREATE TABLE t(a);\nROLLBACK;' }])).rejects.toThrow(
      /ROLLBACK would discard the migration/,
    )
    expect(tables(db)).toEqual([])
    await runMigrations(sqlite3, db, [
      { version: 1, name: 'x', sql: 'CREATE TABLE t(a);\nSAVEPOINT s;\nINSERT INTO t VALUES (1);\nROLLBACK TO s;\nRELEASE s;' },
    ])
    expect(db.selectValue('SELECT count(*) FROM t')).toBe(0)
  })

  it('runs trigger bodies, comments, CRLF line ends and a last statement without newline or semicolon', async () => {
    const { sqlite3, db } = await memoryDb()
    const sql =
      '-- notes; with a trigger\r\nCREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, updated INTEGER DEFAULT 0);\r\n' +
      '/* keep updated; always */\r\nCREATE TRIGGER notes_touch AFTER UPDATE OF title ON notes BEGIN\r\n' +
      '  UPDATE notes SET updated = updated + 1 WHERE id = new.id; -- one; two\r\nEND;\r\n' +
      "INSERT INTO notes (title) VALUES ('a;b')"
    await runMigrations(sqlite3, db, [{ version: 1, name: 'triggers', sql }])
    db.exec("UPDATE notes SET title = 'c' WHERE id = 1")
    expect(rows(db, 'notes')).toEqual([{ id: 1, title: 'c', updated: 1 }])
  })

  it('runs Drizzle Kit output as generated (statement breakpoints are comments to SQLite)', async () => {
    const { sqlite3, db } = await memoryDb()
    const migrations = migrationsFromGlob({
      './drizzle/meta/_journal.json': JSON.stringify({
        dialect: 'sqlite',
        entries: [
          { idx: 0, tag: '0000_init' },
          { idx: 1, tag: '0001_rebuild' },
        ],
      }),
      './drizzle/0000_init.sql':
        'CREATE TABLE `parent` (\n\t`id` integer PRIMARY KEY NOT NULL\n);\n--> statement-breakpoint\n' +
        'CREATE TABLE `child` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`parent_id` integer NOT NULL,\n\t' +
        'FOREIGN KEY (`parent_id`) REFERENCES `parent`(`id`) ON UPDATE no action ON DELETE no action\n);\n' +
        '--> statement-breakpoint\nINSERT INTO `parent` VALUES (1);--> statement-breakpoint\nINSERT INTO `child` VALUES (5, 1);',
      './drizzle/0001_rebuild.sql':
        'PRAGMA foreign_keys=OFF;--> statement-breakpoint\nCREATE TABLE `__new_child` (`id` integer PRIMARY KEY NOT NULL, ' +
        "`parent_id` integer NOT NULL, `note` text DEFAULT '' NOT NULL, FOREIGN KEY (`parent_id`) REFERENCES `parent`(`id`));\n" +
        '--> statement-breakpoint\nINSERT INTO `__new_child`("id", "parent_id") SELECT "id", "parent_id" FROM `child`;'.replaceAll(
          '"',
          '`',
        ) +
        '--> statement-breakpoint\nDROP TABLE `child`;--> statement-breakpoint\n' +
        'ALTER TABLE `__new_child` RENAME TO `child`;--> statement-breakpoint\nPRAGMA foreign_keys=ON;',
    })
    await runMigrations(sqlite3, db, migrations)
    expect(rows(db, 'child')).toEqual([{ id: 5, parent_id: 1, note: '' }])
    expect(readHistory(db).applied.map((r) => [r.version, r.name])).toEqual([
      [1, '0000_init'],
      [2, '0001_rebuild'],
    ])
  })
})
