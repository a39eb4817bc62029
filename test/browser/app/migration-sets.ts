import { type Migration, migrationsFromGlob } from 'sqlite-opfs-migrate/worker'

import { migrations as demo } from '../../../migrations'

/** The fault-injection suite's schema (versions 1–2), with deterministic content (see faults.spec.ts). */
const faultBase: Migration[] = [
  {
    version: 1,
    name: 'items',
    sql: `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE attachments (item_id INTEGER PRIMARY KEY REFERENCES items (id), data TEXT NOT NULL);`,
  },
  { version: 2, name: 'items_by_name', sql: `CREATE INDEX items_by_name ON items (name);` },
]
/**
 * The upgrade the fault suite interrupts: a SQL step (3), a long statement that calls `fault_point()` on every row (4;
 * the worker stalls in the middle of it when asked), and a code step (5). Deterministic: the same file always gives the
 * same rows, so a recovered database can be compared with a reference upgrade.
 */
const faultUpgrade: Migration[] = [
  {
    version: 3,
    name: 'labels',
    sql: `CREATE TABLE labels (item_id INTEGER NOT NULL REFERENCES items (id), label TEXT NOT NULL);
INSERT INTO labels (item_id, label) SELECT id, 'label-' || (id % 7) FROM items;
UPDATE items SET name = name || ' v3';`,
  },
  { version: 4, name: 'long_statement', sql: `UPDATE items SET payload = payload || fault_point(id) || '+4';` },
  {
    version: 5,
    name: 'totals_in_code',
    up(db) {
      db.exec('CREATE TABLE totals (label TEXT PRIMARY KEY, n INTEGER NOT NULL)')
      db.exec('INSERT INTO totals (label, n) SELECT label, count(*) FROM labels GROUP BY label')
    },
  },
]

/** Test migration sets, chosen by the worker URL's `?set=` (see test.worker.ts). */
export const migrationSets: Record<string, readonly Migration[]> = {
  /** No migrations: lets a test write a database the way hand-rolled app code would. */
  none: [],
  /** goose, dbmate and sql-migrate files and a comment-only one, read as an app reads its folder (see sections.spec.ts). */
  sections: migrationsFromGlob(import.meta.glob('./sections/*.sql', { query: '?raw', import: 'default', eager: true })),
  /** The demo app before its v2 release. */
  v1: demo.slice(0, 2),
  /** All demo migrations (latest 5). */
  v2: demo,
  /** v2 with migration 3's SQL edited after it shipped. */
  edited: demo.map((m) => (m.version === 3 ? ({ ...m, sql: `${m.sql}\nCREATE INDEX notes_title ON notes (title);` } as Migration) : m)),
  /** v2 with migration 3 renamed after it shipped. */
  renamed: demo.map((m) => (m.version === 3 ? ({ ...m, name: `${m.name}_renamed` } as Migration) : m)),
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
  /** The fault suite's base release (1–2). */
  'faults-v1': faultBase,
  /** The fault suite's upgrade (3–5), the first step transactional: it runs while its snapshot is being written. */
  faults: [...faultBase, ...faultUpgrade],
  /** The same upgrade with step 3 outside a transaction: the snapshot is written first, then the steps run. */
  'faults-notx': [...faultBase, { ...faultUpgrade[0]!, transaction: false } as Migration, ...faultUpgrade.slice(1)],
  /** The upgrade whose last step deletes every item and then throws: it must be undone from the snapshot. */
  'faults-fail': [
    ...faultBase,
    ...faultUpgrade.slice(0, 2),
    {
      version: 5,
      name: 'delete_then_throw',
      up(db) {
        db.exec('DELETE FROM labels; DELETE FROM items')
        throw new Error('step 5 refuses after deleting every item')
      },
    },
  ],
  /** v2 plus a SQL and a code migration that change connection settings (all must be put back afterwards). */
  settings: [
    ...demo,
    {
      version: 6,
      name: 'settings_in_sql',
      sql: `PRAGMA cache_size = 77;
PRAGMA recursive_triggers = ON;
PRAGMA case_sensitive_like = ON;
PRAGMA busy_timeout = 1234;
PRAGMA temp_store = MEMORY;
PRAGMA legacy_alter_table = ON;
PRAGMA secure_delete = ON;
PRAGMA journal_size_limit = 4096;
PRAGMA trusted_schema = OFF;
PRAGMA journal_mode = PERSIST;
UPDATE notes SET title = title || ' (6)';`,
    },
    {
      version: 7,
      name: 'settings_in_code',
      up(db) {
        db.exec(`PRAGMA cache_size = 99; PRAGMA defer_foreign_keys = ON; PRAGMA reverse_unordered_selects = ON;
          PRAGMA automatic_index = OFF; PRAGMA ignore_check_constraints = ON; PRAGMA journal_mode = TRUNCATE`)
        db.exec(`UPDATE notes SET title = title || ' (7)'`)
      },
    },
  ],
  /** v2 plus a migration that turns the rollback journal off before a non-idempotent UPDATE: refused at open. */
  'unsafe-journal': [
    ...demo,
    { version: 6, name: 'fast_bulk_update', sql: `PRAGMA journal_mode = OFF;\nUPDATE notes SET title = title || ' (6)';` },
  ],
  /** The same in a code migration, which can only be refused as it runs (the upgrade then fails and is undone). */
  'unsafe-code': [
    ...demo,
    {
      version: 6,
      name: 'fast_bulk_update_in_code',
      up(db) {
        db.exec(`UPDATE notes SET title = title || ' (6)'`)
        db.exec('PRAGMA synchronous = OFF')
      },
    },
  ],
  /** v2 plus one simple migration. */
  next: [...demo, { version: 6, name: 'colours', sql: `CREATE TABLE colours (id INTEGER PRIMARY KEY, label TEXT NOT NULL);` }],
  /** v2 plus an app view over the history and a table whose name contains it: the app's own schema naming it. */
  'history-view': [
    ...demo,
    {
      version: 6,
      name: 'schema_version_view',
      sql: `CREATE VIEW app_schema_version AS SELECT max(version) AS version FROM schema_migrations;
CREATE TABLE schema_migrations_old (version INTEGER PRIMARY KEY);`,
    },
  ],
  /** v2 plus a migration that fails after making the restore of its snapshot fail (see arm_idb_failure in test.worker.ts). */
  'fail-restore': [
    ...demo,
    {
      version: 6,
      name: 'fails_and_breaks_its_restore',
      sql: `SELECT arm_idb_failure('get', 'snapshot');
CREATE TABLE doomed (id INTEGER PRIMARY KEY);
INSERT INTO no_such_table VALUES (1);`,
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
