-- +migrate Up
CREATE TABLE post_tags (post_id INTEGER NOT NULL REFERENCES posts (id), tag TEXT NOT NULL);
INSERT INTO post_tags (post_id, tag) SELECT id, 'imported' FROM posts;

-- +migrate Down
DROP TABLE post_tags;
DELETE FROM posts;
