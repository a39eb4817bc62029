import { readdir, readFile } from 'node:fs/promises'
import { extname, join, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'

import { type MigrationFileInput, readMigrationFolder } from '../core/folder/migration-files'

/** A file of a migrations directory on disk. */
export interface MigrationFileOnDisk extends MigrationFileInput {
  /** Absolute path. */
  absolute: string
}

/** Imports a code migration (or setup) module; the default handles `.js`/`.mjs` natively and TypeScript through Vite. */
export type ModuleImporter = (absolutePath: string) => Promise<unknown>

/**
 * Reads a migrations directory (and its subdirectories, for `<version>_<name>/up.sql`, version folders, Drizzle's
 * `meta/`): SQL, JSON and TOML as text, code migrations imported as modules. Paths are given relative to `base`
 * (default: the working directory) with `/`, as diagnostics print them; pass `migrationsRoot(directory, base)` as the
 * `root` of `readMigrationFolder`/`checkMigrationFiles`, so the folder itself is never mistaken for a version folder.
 *
 * @example
 * const files = await readMigrationsDirectory('migrations')
 * const result = await checkMigrationFiles(await loadNodeSqlite(), files)
 */
export async function readMigrationsDirectory(
  directory: string,
  options: { base?: string; importModule?: ModuleImporter } = {},
): Promise<MigrationFileOnDisk[]> {
  const base = options.base ?? process.cwd()
  const importModule = options.importModule ?? importAnyModule
  const files: MigrationFileOnDisk[] = []
  for (const absolute of await listFiles(directory)) {
    const path = relative(base, absolute).split(sep).join('/')
    const text = /\.(sql|json|toml)$/i.test(absolute) ? await readFile(absolute, 'utf8') : null
    files.push({ path, absolute, value: text })
  }
  // Only files that are migrations are imported (helpers such as an index.ts may import browser-only code).
  const code = new Set(
    readMigrationFolder(files, { root: migrationsRoot(directory, base) })
      .entries.filter((e) => e.kind === 'code')
      .map((e) => e.path),
  )
  for (const file of files) if (code.has(file.path)) file.value = await importModule(file.absolute)
  return files
}

/**
 * The migrations directory as the paths `readMigrationsDirectory` gives are written (relative to `base`, with `/`):
 * the `root` to pass to `readMigrationFolder` and `checkMigrationFiles`.
 *
 * @example
 * const files = await readMigrationsDirectory('db/migrations')
 * await checkMigrationFiles(sqlite3, files, { root: migrationsRoot('db/migrations') }) // root: 'db/migrations'
 */
export function migrationsRoot(directory: string, base: string = process.cwd()): string {
  return relative(base, resolve(directory)).split(sep).join('/')
}

async function listFiles(directory: string, depth = 0): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
    const path = join(directory, entry.name)
    if (entry.isDirectory() && depth < 2) found.push(...(await listFiles(path, depth + 1)))
    else if (entry.isFile()) found.push(path)
  }
  return found.sort()
}

/**
 * Imports `.js`/`.mjs` with Node and TypeScript with Vite's `runnerImport` (Node 20 cannot load `.ts` itself), so a
 * migration written for the browser build runs unchanged.
 */
export async function importAnyModule(absolutePath: string): Promise<unknown> {
  if (!/\.(ts|mts|tsx)$/.test(extname(absolutePath))) return import(pathToFileURL(absolutePath).href)
  let vite: typeof import('vite')
  try {
    vite = await import('vite')
  } catch {
    throw new Error(`${absolutePath}: loading TypeScript needs Vite (npm install -D vite), or compile the migration to .js`)
  }
  return (await vite.runnerImport(absolutePath, { logLevel: 'silent' })).module
}
