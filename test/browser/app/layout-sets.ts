import { type Migration, migrationsFromGlob } from 'sqlite-opfs-migrate/worker'

// The unit fixtures of other tools' folders (test/unit/fixtures/layouts), globbed as an app would glob its folder:
// every file, as text, straight from the tool's layout (Vite wants each call's glob options written out).
// layouts.spec.ts opens a database with each (`?set=layout-<tool>`).

/** Migration sets read from other tools' folders by `migrationsFromGlob`, each read only when a test asks for it. */
export const layoutSets: Record<string, () => readonly Migration[]> = {
  'layout-diesel': () =>
    migrationsFromGlob(
      import.meta.glob('../../unit/fixtures/layouts/diesel/migrations/**/*.{sql,toml}', { query: '?raw', import: 'default', eager: true }),
    ),
  'layout-prisma': () =>
    migrationsFromGlob(
      import.meta.glob('../../unit/fixtures/layouts/prisma/migrations/**/*.{sql,toml}', { query: '?raw', import: 'default', eager: true }),
    ),
  'layout-drizzle-v1': () =>
    migrationsFromGlob(
      import.meta.glob('../../unit/fixtures/layouts/drizzle-v1/drizzle/**/*.{sql,json}', { query: '?raw', import: 'default', eager: true }),
    ),
  'layout-flyway': () =>
    migrationsFromGlob(
      import.meta.glob('../../unit/fixtures/layouts/flyway/db/migration/*.sql', { query: '?raw', import: 'default', eager: true }),
    ),
  // The root given, as an app whose first release has only one version folder must (see migrationsFromGlob).
  'layout-version-folders': () =>
    migrationsFromGlob(
      import.meta.glob('../../unit/fixtures/layouts/version-folders/sqlite/**/*.sql', { query: '?raw', import: 'default', eager: true }),
      { root: '../../unit/fixtures/layouts/version-folders/sqlite' },
    ),
  'layout-version-folders-v': () =>
    migrationsFromGlob(
      import.meta.glob('../../unit/fixtures/layouts/version-folders-v/migrations/**/*.sql', {
        query: '?raw',
        import: 'default',
        eager: true,
      }),
    ),
}
