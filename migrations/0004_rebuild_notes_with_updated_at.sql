-- A table rebuild (the 12-step procedure): add updated_at NOT NULL, backfilled from created_at.
-- foreign_keys is off during the step, so dropping the old table cannot cascade into note_tags,
-- and PRAGMA foreign_key_check runs before COMMIT.
CREATE TABLE notes_new (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1))
);
INSERT INTO notes_new (id, title, body, created_at, updated_at, done)
  SELECT id, title, body, created_at, created_at, done FROM notes;
DROP TABLE notes;
ALTER TABLE notes_new RENAME TO notes;
CREATE INDEX notes_created_at ON notes (created_at);
CREATE INDEX notes_open ON notes (done, created_at);
