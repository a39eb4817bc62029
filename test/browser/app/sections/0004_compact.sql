-- +goose NO TRANSACTION
-- +goose Up
VACUUM;

-- +goose Down
DROP TABLE authors;
