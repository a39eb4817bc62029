import type { Migration } from 'sqlite-opfs-migrate/worker'
import { migrations as demo } from '../../../migrations'

/** Test migration sets, chosen by the worker URL's `?set=` (see test.worker.ts). */
export const migrationSets: Record<string, readonly Migration[]> = {
  /** No migrations: lets a test write a database the way hand-rolled app code would. */
  none: [],
  /** The demo app before its v2 release. */
  v1: demo.slice(0, 2),
  /** All demo migrations (latest 5). */
  v2: demo,
  /** v2 with migration 3's SQL edited after it shipped. */
  edited: demo.map((m) => (m.version === 3 ? { ...m, sql: `${m.sql}\nCREATE INDEX notes_title ON notes (title);` } as Migration : m)),
  /** v2 plus a migration that creates a table, writes rows, then fails on its third statement. */
  fail: [
    ...demo,
    {
      version: 6,
      name: 'broken_archive',
      sql: `CREATE TABLE archive (id INTEGER PRIMARY KEY, note_id INTEGER);
INSERT INTO archive (note_id) SELECT id FROM notes;
UPDATE notes SET title = 'clobbered';
INSERT INTO archive (no_such_column) VALUES (1);`,
    },
  ],
  /** v2 plus a migration that commits rows breaking a CHECK constraint, which only the integrity check catches. */
  'bad-data': [
    ...demo,
    {
      version: 6,
      name: 'sneaky_done_values',
      sql: `PRAGMA ignore_check_constraints = ON;
UPDATE notes SET done = 7;`,
    },
  ],
  /** v2 plus a code migration that writes rows for ~1.5 s (to be interrupted). */
  slow: [
    ...demo,
    {
      version: 6,
      name: 'slow_backfill',
      up(db) {
        db.exec('CREATE TABLE ledger (id INTEGER PRIMARY KEY, note_id INTEGER, at REAL)')
        db.exec(`UPDATE notes SET title = title || ' (migrated)'`)
        const until = Date.now() + 1500
        const insert = db.prepare('INSERT INTO ledger (note_id, at) VALUES (?, ?)')
        try {
          while (Date.now() < until) insert.bind([1, Date.now()]).stepReset()
        } finally {
          insert.finalize()
        }
      },
    },
  ],
}
