// The `sqlite-opfs-migrate/react` entry (being written for issue 19).
export {}
