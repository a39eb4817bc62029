import { migrationsFromGlob, serveDatabase } from 'sqlite-opfs-migrate/worker'

serveDatabase({
  migrations: migrationsFromGlob(import.meta.glob('./migrations/*.sql', { query: '?raw', import: 'default', eager: true })),
})
