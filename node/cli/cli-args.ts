/**
 * The command line: `USAGE`, and `parseArgs`, which reads argv with `util.parseArgs` and checks it with this CLI's
 * own messages (a usage error exits 2).
 *
 * @module
 */
import { parseArgs as parseWords, type ParseArgsConfig } from 'node:util'

import type { Baseline } from '../../core/runner/baseline'

/**
 * The command line, parsed: the command (`dry-run` already read as `plan`), its positionals, and every option.
 *
 * @example
 * const args: CliArgs = parseArgs(['check', 'migrations', '--strict'])
 */
export interface CliArgs {
  command: string
  positional: string[]
  json: boolean
  strict: boolean
  backup: boolean
  acceptEdited: boolean
  baseline: Baseline | undefined
  setup: string | undefined
  functions: string[]
  collations: string[]
  /** `verify --seed <module>` */
  seed: string | undefined
  /** `verify --fixtures <dir>` */
  fixtures: string | undefined
  /** `types --out <file>` */
  out: string | undefined
}

/**
 * The help text, printed after every usage error.
 *
 * @example
 * process.stderr.write(`${USAGE}\n`)
 */
export const USAGE = `Usage: sqlite-opfs-migrate <command> [options]

Commands:
  check <dir>                 validate and lint a migrations folder (exit 1 on errors)
  status <db.sqlite> <dir>    version, applied history with checksums verified, pending migrations
  plan <db.sqlite> <dir>      apply pending migrations to an in-memory copy and report each (alias: dry-run)
  apply <db.sqlite> <dir>     upgrade the file: backup first, atomic replace, untouched on failure
  verify <dir>                upgrade a database at every old version (and --fixtures) to the latest and compare
                              its schema with a fresh install (exit 1 on drift or a failed upgrade)
  types <dir>                 TypeScript types of the schema after the last migration (an interface per table and
                              view, and DB for new Kysely<DB>); on stdout, or --out (exit 1 if check fails)

Options:
  --json                      machine-readable output on stdout
  --strict                    lint warnings are errors (check)
  --baseline <N|user_version> adopt a database made without this library
  --setup <module>            module exporting { functions, collations } (and optionally baseline)
  --function <name>           a custom SQL function's name, for check (repeatable)
  --collation <name>          a custom collation's name, for check (repeatable)
  --accept-edited             accept applied migrations whose SQL changed since
  --no-backup                 apply without writing <db>.backup-<time> first
  --seed <module>             verify: module exporting seed(db, { version }) that fills each starting database
  --fixtures <dir>            verify: also upgrade copies of the .sqlite/.db files in <dir> (real old databases)
  --out <file>                types: write the module to <file> (left untouched when already current)`

/** The options `util.parseArgs` reads; what each means is in `USAGE`. */
const OPTIONS = {
  json: { type: 'boolean' },
  strict: { type: 'boolean' },
  'no-backup': { type: 'boolean' },
  'accept-edited': { type: 'boolean' },
  baseline: { type: 'string' },
  setup: { type: 'string' },
  function: { type: 'string', multiple: true },
  collation: { type: 'string', multiple: true },
  seed: { type: 'string' },
  fixtures: { type: 'string' },
  out: { type: 'string' },
} as const satisfies ParseArgsConfig['options']

/** How many positionals each command takes (after the command's name). */
const POSITIONALS: Record<string, number> = { check: 1, status: 2, plan: 2, apply: 2, verify: 1, types: 1 }

/**
 * Parses argv (without `node` and the script). Throws `Error` with a usage message on bad input.
 *
 * @example
 * parseArgs(['apply', 'app.sqlite', 'migrations', '--baseline=user_version']).baseline // 'user_version'
 */
export function parseArgs(argv: readonly string[]): CliArgs {
  // Not strict: its errors would name options its own way; the tokens are checked below, with this CLI's messages.
  const parsed = parseWords({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true })
  const values = parsed.values as OptionValues // each token is checked against OPTIONS below
  const words: string[] = []
  for (const token of parsed.tokens) {
    if (token.kind === 'positional') words.push(token.value)
    else if (token.kind === 'option-terminator') throw new Error('unknown option --')
    else checkOption(token)
  }
  const [named = '', ...positional] = words
  const command = named === 'dry-run' ? 'plan' : named
  const wanted = Object.hasOwn(POSITIONALS, command) ? POSITIONALS[command] : undefined
  if (wanted === undefined) throw new Error(command ? `unknown command ${command}` : 'no command given')
  if (positional.length !== wanted) throw new Error(`${command} takes ${wanted === 1 ? '<dir>' : '<db.sqlite> <dir>'}`)
  const baseline = values.baseline
  return {
    command,
    positional,
    json: values.json === true,
    strict: values.strict === true,
    backup: values['no-backup'] !== true,
    acceptEdited: values['accept-edited'] === true,
    baseline: baseline === undefined ? undefined : baseline === 'user_version' ? baseline : Number(baseline),
    setup: values.setup,
    functions: values.function ?? [],
    collations: values.collation ?? [],
    seed: values.seed,
    fixtures: values.fixtures,
    out: values.out,
  }
}

/** `values` once every token has passed `checkOption`. */
interface OptionValues {
  json?: boolean
  strict?: boolean
  'no-backup'?: boolean
  'accept-edited'?: boolean
  baseline?: string
  setup?: string
  function?: string[]
  collation?: string[]
  seed?: string
  fixtures?: string
  out?: string
}

type OptionToken = Extract<NonNullable<ReturnType<typeof parseWords>['tokens']>[number], { kind: 'option' }>

/** Refuses what `util.parseArgs` lets through when not strict: unknown names, missing values, values on flags. */
function checkOption(token: OptionToken): void {
  const options: Record<string, { type: 'boolean' | 'string' }> = OPTIONS
  const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined
  if (!option) throw new Error(`unknown option ${token.rawName}`)
  if (option.type === 'boolean') {
    if (token.value !== undefined) throw new Error(`${token.rawName} takes no value`)
    return
  }
  // `--setup --json` is a missing value, not a module named "--json".
  if (token.value === undefined || token.value.startsWith('--')) throw new Error(`${token.rawName} needs a value`)
  if (token.name === 'baseline' && token.value !== 'user_version' && !/^[1-9]\d*$/.test(token.value))
    throw new Error(`--baseline takes a migration version (1 or more) or user_version, got ${token.value}`)
}
