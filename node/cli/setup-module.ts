/**
 * `--setup <module>`: loads the module that gives the CLI the app's custom SQL functions and collations (and
 * optionally its baseline), so migrations that use them can be checked and run in Node.
 *
 * @module
 */
import { resolve } from 'node:path'

import type { Baseline } from '../../core/runner/baseline'
import type { SqlExtensions } from '../../core/sqlite/sql-extensions'
import { importAnyModule } from '../read-migrations-directory'

/** What a `--setup` module exports (named, or as its default export). */
export type SetupModule = SqlExtensions & { baseline?: Baseline }

/**
 * Imports the `--setup` module at `path` (relative to the working directory) and picks its `functions`,
 * `collations` and `baseline`.
 *
 * @example
 * const setup = await loadSetup('test/sql-setup.mjs')
 */
export async function loadSetup(path: string): Promise<SetupModule> {
  const module = (await importAnyModule(resolve(path))) as Record<string, unknown> & { default?: Record<string, unknown> }
  const source = module.default && typeof module.default === 'object' ? module.default : module
  return {
    functions: source.functions as SqlExtensions['functions'],
    collations: source.collations as SqlExtensions['collations'],
    baseline: source.baseline as Baseline | undefined,
  }
}
