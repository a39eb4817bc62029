-- Notes become to-dos: a done flag, and an index for "what is left".
ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1));
CREATE INDEX notes_open ON notes (done, created_at);
