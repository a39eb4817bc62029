/**
 * Where the CLI writes, and how a command prints its result: the human text, or with `--json` the JSON value, on
 * stdout. Progress and errors go to stderr. Imports nothing.
 *
 * @module
 */

/**
 * Where the CLI writes: stdout for results, stderr for progress and errors.
 *
 * @example
 * const io: CliIo = process
 */
export interface CliIo {
  stdout: { write(text: string): unknown }
  stderr: { isTTY?: boolean; write(text: string): unknown }
}

/** Prints a command's result: `human` for a person, `json` with `--json`. */
export type Print = (human: string, json: unknown) => void

/**
 * The `Print` of one run: JSON (indented, one document) with `--json`, else the human text; a newline after either.
 *
 * @example
 * const print = printer(process.stdout, { json: false })
 * print('up to date', { ok: true })
 */
export function printer(stdout: CliIo['stdout'], options: { json: boolean }): Print {
  return (human, json) => stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`)
}
