import { DATED_TIMESTAMP } from './version-key'

// What each tool's file and folder names look like (see the README's "Migration folders from other tools").

const VERSION = `(?:${DATED_TIMESTAMP}|\\d+(?:\\.\\d+)*)`
const VERSIONED = `[vV]?(${VERSION})[_-]+([A-Za-z0-9][A-Za-z0-9_.\\- ]*?)`
/** `0001_name.sql`, `0.28_name.ts`, `20240105093000_name.up.sql` (golang-migrate, sqlx, dbmate, goose, plain). */
export const NUMBERED_FILE = new RegExp(`^${VERSIONED}(\\.up)?\\.(sql|ts|js|mts|mjs)$`, 'i')
/** `0001_name/`, `2018-01-14-171611_name/` (diesel), `20210101000000_name/` (Prisma, Drizzle Kit v1). */
export const VERSIONED_FOLDER = new RegExp(`^${VERSIONED}$`)
/**
 * A migration folder without a name: `20250902192117/` or `20230319053449_/`, as `prisma migrate dev` makes it when
 * the name is left empty (with a trailing `_` before prisma-engines#5632, without since). Read only around `migration.sql`.
 */
export const NAMELESS_FOLDER = new RegExp(`^(\\d+|${DATED_TIMESTAMP})_?$`)
/** A folder whose name is only a version (`0.22`, `v3`, `12`): a version folder holding numbered files. */
export const VERSION_FOLDER = /^[vV]?\d+(?:\.\d+)*$/
/** Flyway: `V1__x.sql`, `V1_1__x.sql` (= 1.1), `V2.3__x.sql`; `U…` undo, `B…` baseline, `R__x.sql` repeatable. */
export const FLYWAY_FILE = /^([VUBR])(\d+(?:[._]\d+)*)?__(.+)\.sql$/
/** Flyway's SQL callbacks (`beforeMigrate.sql`, `afterEachMigrate__note.sql`, …), run around every migrate. */
export const FLYWAY_CALLBACK = /^(before|after)[A-Z][A-Za-z]*(__.*)?\.sql$/
/** The migration file inside a versioned folder: diesel `up.sql` (or `.ts`…), Prisma and Drizzle v1 `migration.sql`. */
export const UP_IN_FOLDER = /^up\.(sql|ts|js|mts|mjs)$/i
export const MIGRATION_SQL = /^migration\.sql$/i
export const DOWN = /(^|\.)down\.(sql|ts|js|mts|mjs)$/i
/** Tests, specs and type declarations beside migrations are not migrations. */
export const TEST_OR_TYPES = /\.(test|spec|d)\.[a-z]+$/
export const DRIZZLE_JOURNAL = /(^|\/)meta\/_journal\.json$/
export const PRISMA_LOCK = 'migration_lock.toml'

/** True when a file name looks like a migration of some tool (so skipping it would silently drop a migration). */
export function looksLikeMigration(base: string): boolean {
  return NUMBERED_FILE.test(base) || FLYWAY_FILE.test(base) || UP_IN_FOLDER.test(base) || MIGRATION_SQL.test(base)
}

/** The extension of a file name, lower case (`''` when none). */
export function extensionOf(base: string): string {
  return /\.([A-Za-z]+)$/.exec(base)?.[1]?.toLowerCase() ?? ''
}

/** What a Flyway file name holds: its prefix, version (with `_` read as `.`, as Flyway does) and description. */
export function readFlywayName(base: string): { prefix: 'V' | 'U' | 'B' | 'R'; key: string | null; name: string } | null {
  const match = FLYWAY_FILE.exec(base)
  if (!match) return null
  return { prefix: match[1] as 'V' | 'U' | 'B' | 'R', key: match[2]?.replaceAll('_', '.') ?? null, name: match[3]! }
}
