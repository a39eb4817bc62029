// The `sqlite-opfs-migrate/kysely` entry (being written for issue 19).
export {}
