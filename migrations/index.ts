import { migrationsFromGlob } from 'sqlite-opfs-migrate/worker'

/** The demo app's migrations: every numbered .sql and .ts file in this folder, in version order. */
export const migrations = migrationsFromGlob(
  import.meta.glob('./[0-9]*.sql', { query: '?raw', import: 'default', eager: true }),
  import.meta.glob('./[0-9]*.ts', { eager: true }),
)
