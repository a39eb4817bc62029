// The `sqlite-opfs-migrate/drizzle` entry (being written for issue 19).
export {}
