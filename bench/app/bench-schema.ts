/**
 * The bench's database: a generated table with an index (most of the bytes), and a parent/child pair joined by a
 * foreign key. Version 2 is a typical upgrade: add a column, add an index, and a 12-step rebuild of `child` (new
 * constraints) that copies every row. The raw worker runs exactly this SQL, so both sides do the same database work.
 */
export const SCHEMA_V1 = `
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  score REAL NOT NULL,
  payload BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX items_by_name ON items (name);
CREATE TABLE parent (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
CREATE TABLE child (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER NOT NULL REFERENCES parent (id),
  note TEXT NOT NULL
);
CREATE INDEX child_by_parent ON child (parent_id);
`

export const UPGRADE_V2 = `
ALTER TABLE items ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
CREATE INDEX items_by_score ON items (score);
CREATE TABLE child_new (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
  note TEXT NOT NULL CHECK (length(note) > 0),
  kind TEXT NOT NULL DEFAULT 'note'
);
INSERT INTO child_new (id, parent_id, note) SELECT id, parent_id, note FROM child;
DROP TABLE child;
ALTER TABLE child_new RENAME TO child;
CREATE INDEX child_by_parent ON child (parent_id);
`

/**
 * Adds about `rows` items, `rows / 40` parents and `rows / 2` children (ids continue after the existing rows). One
 * statement per table; callers repeat it until the file reaches the size they want.
 */
export function fillSql(rows: number): string[] {
  const parents = Math.max(1, Math.floor(rows / 40))
  const children = Math.floor(rows / 2)
  const series = (n: number) => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`
  return [
    `${series(parents)} INSERT INTO parent (title) SELECT 'parent ' || i FROM s`,
    `${series(rows)} INSERT INTO items (name, score, payload, created_at)
       SELECT 'item ' || hex(randomblob(6)), random() / 1e15, randomblob(160), datetime('now', '-' || i || ' seconds') FROM s`,
    `${series(children)} INSERT INTO child (parent_id, note)
       SELECT (SELECT max(id) FROM parent) - abs(random() % ${parents}), 'note ' || hex(randomblob(24)) FROM s`,
  ]
}

/** Name of the bench database (the library keeps it in OPFS under `.sqlite-opfs-migrate/<name>`). */
export const DB_NAME = 'bench.db'
/** The library's sahpool directory for `DB_NAME`: the raw worker opens the very same file. */
export const POOL_DIRECTORY = `.sqlite-opfs-migrate/${DB_NAME}`
