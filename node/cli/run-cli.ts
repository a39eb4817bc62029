/**
 * `runCli`: parses the command line, loads the `--setup` module and the migrations, runs the command, and turns what
 * it returns or throws into an exit code (0 ok, 1 failed check/upgrade/history, 2 usage). Each command is its own
 * file beside this one.
 *
 * @module
 */
import { SqliteOpfsMigrateError } from '../../shared/errors'
import { loadMigrations } from '../load-migrations'
import { applyCommand } from './apply-command'
import { checkCommand } from './check-command'
import { type CliArgs, parseArgs, USAGE } from './cli-args'
import type { DatabaseCommandOptions } from './database-file'
import { planCommand } from './plan-command'
import { type CliIo, type Print, printer } from './print'
import { loadSetup } from './setup-module'
import { statusCommand } from './status-command'
import { typesCommand } from './types-command'
import { verifyCommand } from './verify-command'

export type { CliIo } from './print'

/**
 * Runs one CLI command; returns the exit code (0 ok, 1 failed check/upgrade/history, 2 usage).
 *
 * @example
 * process.exitCode = await runCli(['check', 'migrations', '--strict'], process)
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs
  try {
    args = parseArgs(argv)
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const print = printer(io.stdout, { json: args.json })
  try {
    return await runCommand(args, print, io)
  } catch (error) {
    const code = error instanceof SqliteOpfsMigrateError ? error.code : 'ERROR'
    if (args.json) print('', { ok: false, error: { code, name: (error as Error)?.name, message: (error as Error)?.message } })
    io.stderr.write(`error [${code}] ${(error as Error)?.message ?? String(error)}\n`)
    return 1
  }
}

/** Hands the parsed command line to its command, as that command's options. */
async function runCommand(args: CliArgs, print: Print, io: CliIo): Promise<number> {
  const setup = args.setup ? await loadSetup(args.setup) : {}
  const [first, second] = args.positional as [string, string]
  const { acceptEdited } = args
  if (args.command === 'check') {
    const { strict, functions, collations } = args
    return await checkCommand({ directory: first, strict, functions, collations, setup, print })
  }
  if (args.command === 'types') {
    const { strict, functions, collations, out } = args
    return await typesCommand({ directory: first, out, strict, functions, collations, setup, print, stderr: io.stderr })
  }
  if (args.command === 'verify')
    return await verifyCommand({ directory: first, seed: args.seed, fixtures: args.fixtures, acceptEdited, setup, print })
  const target: DatabaseCommandOptions = {
    file: first,
    migrations: await loadMigrations(second),
    migrationOptions: { ...setup, baseline: args.baseline ?? setup.baseline },
    acceptEdited,
    print,
  }
  if (args.command === 'status') return await statusCommand(target)
  if (args.command === 'plan') return await planCommand({ ...target, progress: io.stderr })
  return await applyCommand({ ...target, backup: args.backup, progress: io.stderr })
}
