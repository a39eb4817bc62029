/**
 * `sqlite-opfs-migrate apply <db.sqlite> <dir>`: upgrades the file (a backup first, an atomic replace, the file
 * untouched on failure) and prints the migrations applied.
 *
 * @module
 */
import { applyToFile } from '../apply-file'
import { loadNodeSqlite } from '../node-sqlite'
import { progressBar } from '../progress-bar'
import type { DatabaseCommandOptions } from './database-file'
import type { CliIo } from './print'

/**
 * Options of `apply`: those of every command on a file, the backup switch, and where the progress bar goes.
 *
 * @example
 * const options: ApplyCommandOptions = { ...databaseOptions, backup: true, progress: process.stderr }
 */
export interface ApplyCommandOptions extends DatabaseCommandOptions {
  /** Write `<db>.backup-<time>` first (`--no-backup` turns it off). */
  backup: boolean
  /** The terminal stream of the progress bar (stderr; nothing is drawn when it is not a terminal). */
  progress: CliIo['stderr']
}

/**
 * Upgrades the file; returns 0 (a failure throws, with the file as it was, and the caller reports it).
 *
 * @example
 * await applyCommand({ file: 'app.sqlite', migrations, migrationOptions: {}, acceptEdited: false, backup: true, print, progress })
 */
export async function applyCommand(options: ApplyCommandOptions): Promise<number> {
  const { file, print } = options
  const bar = progressBar(options.progress)
  const result = await applyToFile(await loadNodeSqlite(), file, options.migrations, {
    ...options.migrationOptions,
    acceptEditedMigrations: options.acceptEdited,
    backup: options.backup,
    onMigration: ({ phase, index, total, migration }) => bar.update(index + (phase === 'end' ? 1 : 0), total, migration.name),
  }).finally(() => bar.done())
  const human = result.applied.length
    ? [
        `${file}: version ${result.fromVersion} → ${result.toVersion}`,
        ...result.applied.map(
          (r) => `  ${String(r.version).padStart(4)} ${r.name.padEnd(32)} ${r.baseline ? 'baseline' : `${r.durationMs.toFixed(1)} ms`}`,
        ),
        result.backup ? `backup: ${result.backup}` : 'no backup (new file or --no-backup)',
      ].join('\n')
    : `${file}: up to date at version ${result.fromVersion}`
  print(human, { ok: true, ...result })
  return 0
}
