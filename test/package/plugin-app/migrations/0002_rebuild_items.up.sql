-- written for a tool that wants its own transaction and foreign-key pragmas (no trailing newline)
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE new_items (id INTEGER PRIMARY KEY, label TEXT NOT NULL, loud TEXT);
INSERT INTO new_items (id, label) SELECT id, label FROM items;
DROP TABLE items;
ALTER TABLE new_items RENAME TO items;
COMMIT;
PRAGMA foreign_keys=ON;