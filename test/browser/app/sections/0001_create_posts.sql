-- A goose migration: only its Up section may run.
-- +goose Up
CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
INSERT INTO posts (title) VALUES ('first'), ('second');
-- +goose StatementBegin
CREATE TRIGGER posts_titled BEFORE INSERT ON posts
BEGIN
  SELECT RAISE(ABORT, 'empty title') WHERE new.title = '';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER posts_titled;
DROP TABLE posts;
