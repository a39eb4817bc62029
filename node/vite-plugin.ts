import { resolve, sep } from 'node:path'

import type { Plugin, ResolvedConfig } from 'vite'

import { stubExtensions } from '../core/sqlite/sql-extensions'
import type { Migration } from '../shared/types'
import { checkMigrationFiles, type CheckOptions, formatDiagnostic } from './check-migrations'
import { formatReport } from './format-verify-report'
import { migrationTypes, typesFileState, writeTypesFile } from './migration-types'
import { loadNodeSqlite } from './node-sqlite'
import { migrationsRoot, readMigrationsDirectory } from './read-migrations-directory'
import { verifyUpgrades } from './verify-upgrades'

/** The module the plugin provides: `import migrations from 'virtual:sqlite-opfs-migrate'`. */
export const VIRTUAL_MODULE = 'virtual:sqlite-opfs-migrate'
const RESOLVED = `\0${VIRTUAL_MODULE}`
const INNER = Symbol('sqlite-opfs-migrate worker copy')
/** State the plugin shares with its worker-build copy: the fleet check runs once per build, whichever loads first. */
const SHARED = Symbol('sqlite-opfs-migrate shared state')

/** Options of the Vite plugin. */
export interface SqliteOpfsMigrateOptions {
  /** The migrations folder, relative to Vite's root. Default `'migrations'`. */
  dir?: string
  /** Fail the build on lint warnings too (a per-file `-- sqlite-opfs-migrate: allow <rule>` still accepts one). */
  strict?: boolean
  /** Names of the SQL functions your worker registers (`serveDatabase({ functions })`), so the check can parse them. */
  functions?: string[]
  /** Names of the collations your worker registers. */
  collations?: string[]
  /**
   * On `vite build` only: the fleet check (see `verifyUpgrades`): a database at every version from 0 is upgraded to the
   * latest and must reach the schema of a fresh install; drift or a failing upgrade fails the build, naming the start
   * and the first difference. `true` runs the cheap part (no seed, no fixtures); an object adds them (paths relative
   * to Vite's root). Default `false`. Custom functions and collations are inert stand-ins here (see `functions`).
   */
  verify?: boolean | { seed?: string; fixtures?: string }
  /**
   * A TypeScript module to keep with the schema after the last migration (e.g. `'src/db-schema.ts'`, relative to
   * Vite's root): an interface per table and view and `DB`, for `new Kysely<DB>(…)` (see `sqlite-opfs-migrate types`).
   * `vite` (serve) writes it at start and whenever a migration changes, only when its content changes; `vite build`
   * fails when it is missing or stale, naming the command that regenerates it. Default: none.
   */
  types?: string
}

/**
 * Vite plugin: turns the migrations folder into `virtual:sqlite-opfs-migrate` (the ordered migration list, SQL
 * inlined, checksums computed at build time) and checks every migration at build time — file names and versions,
 * every statement prepared by SQLite against the schema of the migrations before it, lint warnings for destructive
 * statements. Errors fail the build naming the file and line. It also sets what the library needs (ES-module workers,
 * sqlite-wasm kept out of dependency pre-bundling, itself in the worker build).
 *
 * @example
 * // vite.config.ts
 * import { sqliteOpfsMigrate } from 'sqlite-opfs-migrate/vite'
 * export default { plugins: [sqliteOpfsMigrate()] }
 *
 * // db.worker.ts
 * import migrations from 'virtual:sqlite-opfs-migrate'
 * serveDatabase({ migrations })
 */
export function sqliteOpfsMigrate(options: SqliteOpfsMigrateOptions = {}): Plugin {
  let config: ResolvedConfig
  let directory = ''
  const checkOptions: CheckOptions = { strict: options.strict, functions: options.functions, collations: options.collations }
  const isInner = (options as { [INNER]?: boolean })[INNER] === true
  const shared: { verified?: Promise<string | null> } = (options as { [SHARED]?: object })[SHARED] ?? {}
  // Dev: regenerations run one after another (a burst of edits must not write an older schema last).
  let typesWritten: Promise<void> = Promise.resolve()
  const keepTypes = () =>
    (typesWritten = typesWritten.then(() =>
      writeTypes(options, config.root, checkOptions).then(
        (message) => {
          if (message) config.logger.info(message, { timestamp: true })
        },
        (error: unknown) => config.logger.error(`sqlite-opfs-migrate: types: ${String((error as Error)?.message ?? error)}`),
      ),
    ))
  return {
    name: 'sqlite-opfs-migrate',
    config() {
      // Workers are bundled by their own pipeline: the plugin must be in it too, or the worker cannot import the module.
      if (isInner) return
      return {
        worker: {
          format: 'es',
          plugins: () => [sqliteOpfsMigrate({ ...options, [INNER]: true, [SHARED]: shared } as SqliteOpfsMigrateOptions)],
        },
        optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
      }
    },
    configResolved(resolved) {
      config = resolved
      directory = resolve(resolved.root, options.dir ?? 'migrations')
    },
    async buildStart() {
      // A new build (`vite build --watch` after an edit) verifies again; the worker copy's builds run inside this one.
      if (isInner) return
      shared.verified = undefined
      if (options.types === undefined) return
      if (config.command === 'build') {
        const problem = await staleTypes(options, config.root, checkOptions)
        if (problem) this.error(problem)
      } else await keepTypes()
    },
    resolveId(id) {
      return id === VIRTUAL_MODULE ? RESOLVED : undefined
    },
    async load(id) {
      if (id !== RESOLVED) return undefined
      this.addWatchFile(directory)
      const files = await readMigrationsDirectory(directory, { base: config.root }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') this.error(`sqlite-opfs-migrate: migrations folder ${directory} does not exist (option dir)`)
        throw error
      })
      for (const file of files) this.addWatchFile(file.absolute)
      const result = await checkMigrationFiles(await loadNodeSqlite(), files, {
        ...checkOptions,
        root: migrationsRoot(directory, config.root),
      })
      const errors = result.diagnostics.filter((d) => d.severity === 'error')
      for (const warning of result.diagnostics.filter((d) => d.severity === 'warning')) this.warn(formatDiagnostic(warning))
      if (errors.length) {
        const first = files.find((f) => f.path === errors[0]!.file)
        this.error({
          message: `sqlite-opfs-migrate: ${errors.length} error(s) in ${options.dir ?? 'migrations'}:\n${errors.map(formatDiagnostic).join('\n')}`,
          ...(first ? { id: first.absolute, loc: { file: first.absolute, line: errors[0]!.line ?? 1, column: 0 } } : {}),
        })
      }
      if (options.verify && config.command === 'build') {
        shared.verified ??= verifyOnBuild(
          result.migrations.map((m) => m.migration),
          options,
          config.root,
        )
        const drift = await shared.verified
        if (drift) this.error(drift)
      }
      return moduleSource(result.migrations, files)
    },
    configureServer(server) {
      // Editing, adding or removing a migration re-runs the check and reloads the page (and its worker).
      const reload = (file: string) => {
        if (!file.startsWith(directory + sep)) return
        if (options.types !== undefined) void keepTypes()
        const module = server.moduleGraph.getModuleById(RESOLVED)
        if (module) server.moduleGraph.invalidateModule(module)
        server.ws.send({ type: 'full-reload' })
      }
      server.watcher.add(directory)
      server.watcher.on('add', reload).on('change', reload).on('unlink', reload)
    },
  }
}

/** The command that regenerates the `types` file, as the build error names it. */
const typesCommandLine = (options: SqliteOpfsMigrateOptions) =>
  `npx sqlite-opfs-migrate types ${options.dir ?? 'migrations'} --out ${options.types} (or run vite dev, which keeps it)`

/** `vite build`: the build error when the `types` file is missing or stale (or the folder fails its check), else `null`. */
async function staleTypes(options: SqliteOpfsMigrateOptions, root: string, check: CheckOptions): Promise<string | null> {
  const directory = resolve(root, options.dir ?? 'migrations')
  const generated = await migrationTypes({ directory, base: root, check }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw error
  })
  if (generated === null) return `sqlite-opfs-migrate: migrations folder ${directory} does not exist (option dir)`
  const { check: result, types } = generated
  if (types === null)
    return `sqlite-opfs-migrate: no types from ${options.dir ?? 'migrations'}: it fails its check:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`
  const state = await typesFileState(resolve(root, options.types!), types)
  if (state === 'fresh') return null
  const what =
    state === 'missing' ? 'is missing' : `is stale: it is not the schema of ${options.dir ?? 'migrations'} at version ${versionIn(types)}`
  return `sqlite-opfs-migrate: types file ${options.types} ${what}. Regenerate it: ${typesCommandLine(options)}`
}

/** `vite` (serve): writes the `types` file when its content changed; what to log, or `null` when nothing was written. */
async function writeTypes(options: SqliteOpfsMigrateOptions, root: string, check: CheckOptions): Promise<string | null> {
  const { check: result, types } = await migrationTypes({ directory: resolve(root, options.dir ?? 'migrations'), base: root, check })
  if (types === null) throw new Error(`${options.types} not updated: ${options.dir ?? 'migrations'} fails its check (see above)`)
  return (await writeTypesFile(resolve(root, options.types!), types))
    ? `sqlite-opfs-migrate: wrote ${options.types} (version ${versionIn(types)}, ${result.schema?.tables.length ?? 0} table(s))`
    : null
}

const versionIn = (types: string) => /at version (\d+)\./.exec(types)?.[1] ?? '?'

/** Runs `verifyUpgrades`; returns the build error to raise, or `null` when every start reaches the fresh install. */
async function verifyOnBuild(migrations: Migration[], options: SqliteOpfsMigrateOptions, root: string): Promise<string | null> {
  const extra = typeof options.verify === 'object' ? options.verify : {}
  const report = await verifyUpgrades({
    migrations,
    ...stubExtensions({ functions: options.functions, collations: options.collations }),
    seed: extra.seed === undefined ? undefined : resolve(root, extra.seed),
    fixtures: extra.fixtures === undefined ? undefined : resolve(root, extra.fixtures),
  })
  if (report.ok) return null
  return `sqlite-opfs-migrate: verify: not every old database upgrades to the schema of a fresh install (${options.dir ?? 'migrations'}):\n${formatReport(report)}`
}

/** The virtual module: SQL inlined with its checksum, code migrations imported from their files. */
function moduleSource(
  migrations: Awaited<ReturnType<typeof checkMigrationFiles>>['migrations'],
  files: Awaited<ReturnType<typeof readMigrationsDirectory>>,
): string {
  const imports: string[] = []
  const items = migrations.map(({ entry, migration, checksum }, i) => {
    const head = `version: ${migration.version}, name: ${JSON.stringify(migration.name)}`
    const noTransaction = migration.transaction === false ? ', transaction: false' : ''
    if (checksum !== null)
      return `  { ${head}, sql: ${JSON.stringify(migration.sql)}, checksum: ${JSON.stringify(checksum)}${noTransaction} }`
    const absolute = files.find((f) => f.path === entry.path)!.absolute
    imports.push(`import * as m${i} from ${JSON.stringify(absolute)}`)
    return `  { ${head}, up: m${i}.up, ...(m${i}.transaction === false ? { transaction: false } : {}) }`
  })
  return `${imports.join('\n')}\n/** Generated by sqlite-opfs-migrate's Vite plugin from the migrations folder. */\nexport default [\n${items.join(',\n')}\n]\n`
}
