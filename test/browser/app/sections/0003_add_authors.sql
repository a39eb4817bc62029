-- migrate:up
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO authors (name) VALUES ('Ada');
ALTER TABLE posts ADD COLUMN author_id INTEGER REFERENCES authors (id);
UPDATE posts SET author_id = 1;

-- migrate:down
DELETE FROM posts;
DROP TABLE authors;
