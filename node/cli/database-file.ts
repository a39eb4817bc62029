/**
 * What `status`, `plan` and `apply` share: the options that name a database file and the migrations to bring it to,
 * and reading that file (which must exist, except for `apply`, which creates it).
 *
 * @module
 */
import { existsSync } from 'node:fs'

import type { MigrationSetOptions } from '../../core/runner/runner'
import type { Migration } from '../../shared/types'
import { readDatabaseFile } from '../apply-file'
import type { Print } from './print'

/**
 * Options of a command on one database file.
 *
 * @example
 * const options: DatabaseCommandOptions = { file: 'app.sqlite', migrations, migrationOptions: {}, acceptEdited: false, print }
 */
export interface DatabaseCommandOptions {
  /** The database file, as given on the command line. */
  file: string
  /** The migrations of the folder, loaded. */
  migrations: Migration[]
  /** `--setup`'s functions and collations, and the baseline (`--baseline`, else the setup's). */
  migrationOptions: MigrationSetOptions
  /** `--accept-edited` */
  acceptEdited: boolean
  print: Print
}

/**
 * The bytes of an existing database file; throws `Error` when there is no such file.
 *
 * @example
 * const bytes = await readDatabase('app.sqlite')
 */
export async function readDatabase(file: string): Promise<Uint8Array> {
  if (!existsSync(file)) throw new Error(`${file} does not exist`)
  return (await readDatabaseFile(file)).bytes
}
