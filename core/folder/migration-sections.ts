/**
 * Reads the contents of a SQL migration file written for another tool: which part of it runs on upgrade, and whether
 * it runs inside a transaction. Runtime-neutral (no DOM, no `fs`): the browser's `migrationsFromGlob` and the Node
 * check, Vite plugin and CLI all read a file through here, so build time and run time read it the same way.
 *
 * Recognised, with each tool's own parsing rules (see README, "Files with up and down sections"):
 * - goose: `-- +goose Up` / `Down` / `StatementBegin` / `StatementEnd` / `NO TRANSACTION` / `ENVSUB ON|OFF`;
 * - dbmate: `-- migrate:up [transaction:false]` / `-- migrate:down`;
 * - sql-migrate: `-- +migrate Up [notransaction]` / `Down` / `StatementBegin` / `StatementEnd`;
 * - plain SQL (everything else) runs whole; a first line `-- no-transaction` (sqlx) or a line
 *   `-- sqlite-opfs-migrate: no-transaction` runs it outside a transaction.
 *
 * What runs for a sectioned file is the file's text up to the line where its down section begins: the header
 * comments, the up marker and the up statements, verbatim. Everything before the up marker may only be comments or
 * blank lines, and the markers are `--` comments, so SQLite runs exactly the up statements — and a statement keeps
 * its line number in the file. The checksum is taken of that same text (see `checksumSql`): an edit of the down
 * section changes nothing that ran on any device, so it does not report the migration as edited.
 */

/** How a SQL migration file is laid out inside. */
export type SqlFileFormat = 'plain' | 'goose' | 'dbmate' | 'sql-migrate'

/** What runs of a SQL migration file (see the module comment). */
export interface SqlMigrationText {
  /** The text that runs: the whole file (plain), or the file up to its down section. */
  sql: string
  /** `false` when the file says its up part runs outside a transaction. */
  transaction: boolean
  format: SqlFileFormat
}

/** A file that cannot be read without guessing: `line` (1-based) is where the problem is. */
export class SqlSectionError extends Error {
  override name = 'SqlSectionError'
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message)
  }
}

/** Our own directive, anywhere in the text that runs. */
export const NO_TRANSACTION_DIRECTIVE = /^\s*--\s*sqlite-opfs-migrate:\s*no-transaction\b/m
/** sqlx: the file starts with `-- no-transaction` (its `sql.starts_with("-- no-transaction")`). */
const SQLX_NO_TRANSACTION = /^\uFEFF?-- no-transaction/

/** Text every marker of every recognised tool contains (a superset of `LOOKS_LIKE`). */
const ANY_MARKER = /\+goose|\+migrate|migrate:(up|down)/i

interface Line {
  /** 1-based. */
  number: number
  /** Offset of the line's first character in the text. */
  start: number
  /** The line without its line break (and without a BOM on line 1). */
  text: string
}

const isComment = (line: string) => line.trimStart().startsWith('--')
const isBlank = (line: string) => line.trim() === ''
/** A line that may mark a section of each tool: a `--` comment naming the tool's marker, in any case. */
const LOOKS_LIKE: Record<Exclude<SqlFileFormat, 'plain'>, (line: string) => boolean> = {
  goose: (line) => isComment(line) && /\+goose/i.test(line),
  dbmate: (line) => /^\s*--\s*migrate:(up|down)/i.test(line),
  'sql-migrate': (line) => isComment(line) && /\+migrate/i.test(line),
}

/**
 * Which part of a SQL migration file runs, and how. Throws `SqlSectionError` (with the line) for a file in one of the
 * sectioned formats that its tool would refuse or that could only be read by guessing; never returns a sectioned
 * file's whole text unless it has no down section.
 *
 * @example
 * readSqlMigrationText('-- +goose Up\nCREATE TABLE a(x);\n-- +goose Down\nDROP TABLE a;\n')
 * // → { sql: '-- +goose Up\nCREATE TABLE a(x);\n', transaction: true, format: 'goose' }
 */
export function readSqlMigrationText(text: string): SqlMigrationText {
  // Most files name no tool: they are not split into lines at all (this runs in the worker at every open).
  const lines = ANY_MARKER.test(text) ? splitLines(text) : []
  let format: SqlFileFormat = 'plain'
  for (const line of lines) {
    for (const [tool, looksLike] of Object.entries(LOOKS_LIKE) as [Exclude<SqlFileFormat, 'plain'>, (l: string) => boolean][]) {
      if (!looksLike(line.text) || tool === format) continue
      if (format !== 'plain')
        throw new SqlSectionError(line.number, `${tool} marker in a ${format} file: a file is read with one tool's markers; keep one`)
      format = tool
    }
  }
  if (format === 'plain')
    return { sql: text, transaction: !(NO_TRANSACTION_DIRECTIVE.test(text) || SQLX_NO_TRANSACTION.test(text)), format }
  const read = format === 'goose' ? readGoose(lines) : format === 'dbmate' ? readDbmate(lines) : readSqlMigrate(lines)
  const sql = read.downAt === null ? text : text.slice(0, read.downAt)
  return { sql, transaction: read.transaction && !NO_TRANSACTION_DIRECTIVE.test(sql), format }
}

/**
 * The first line that starts a down section (goose `-- +goose Down`, dbmate `-- migrate:down`, sql-migrate
 * `-- +migrate Down`), or `null`. For SQL given as it is (not read from a file through `readSqlMigrationText`): such
 * text would run its down section on upgrade, so the list is refused.
 *
 * @example
 * downSectionLine('-- +goose Up\nCREATE TABLE a(x);\n-- +goose Down\nDROP TABLE a;') // → { format: 'goose', line: 3 }
 */
export function downSectionLine(text: string): { format: Exclude<SqlFileFormat, 'plain'>; line: number } | null {
  if (!ANY_MARKER.test(text)) return null
  for (const line of splitLines(text)) {
    const t = line.text
    if (LOOKS_LIKE.goose(t) && t.replaceAll('--', '').replace('+goose', '').trim().toLowerCase() === 'down')
      return { format: 'goose', line: line.number }
    if (DBMATE_DOWN.test(t.trimStart())) return { format: 'dbmate', line: line.number }
    if (t.trimStart().startsWith(`${SQL_MIGRATE_PREFIX}Down`)) return { format: 'sql-migrate', line: line.number }
  }
  return null
}

/** Where the down section starts (offset of its marker line, `null`: none) and the up part's transaction mode. */
interface Sections {
  downAt: number | null
  transaction: boolean
}

function splitLines(text: string): Line[] {
  const lines: Line[] = []
  const pattern = /([^\r\n]*)(\r\n|\r|\n|$)/g
  let match: RegExpExecArray | null
  while ((match = pattern.exec(text)) !== null) {
    const start = match.index
    lines.push({ number: lines.length + 1, start, text: lines.length === 0 ? match[1]!.replace(/^\uFEFF/, '') : match[1]! })
    if (match[2] === '') break
  }
  return lines
}

const GOOSE_ANNOTATIONS = ['Up', 'Down', 'StatementBegin', 'StatementEnd', 'NO TRANSACTION', 'ENVSUB ON', 'ENVSUB OFF'] as const

/**
 * goose (pressly/goose `internal/sqlparser`): an annotation is a line starting with `--` (no leading whitespace) that
 * contains `+goose`; its name is matched case-insensitively; an unknown one is an error. `Up` comes first (only
 * comments and blank lines before it) and once; `Down` once, after it; `StatementBegin`/`End` pair up inside a
 * section; `NO TRANSACTION` may be anywhere. `ENVSUB ON` substitutes environment variables, which a browser has
 * none of: refused.
 */
function readGoose(lines: readonly Line[]): Sections {
  let state: 'start' | 'up' | 'down' = 'start'
  let block: Line | null = null
  let downAt: number | null = null
  let transaction = true
  const fail = (line: Line, why: string): never => {
    throw new SqlSectionError(line.number, `goose: ${why}`)
  }
  for (const line of lines) {
    const { text } = line
    if (!LOOKS_LIKE.goose(text)) {
      if (state === 'start' && !isBlank(text) && !isComment(text))
        fail(line, 'SQL before "-- +goose Up" (goose refuses it; only comments may come first)')
      continue
    }
    if (/^\s/.test(text)) fail(line, `annotation "${text.trim()}" has leading whitespace (goose refuses it)`)
    if (!text.includes('+goose')) fail(line, `"${text.trim()}": goose recognises "+goose" in lower case only`)
    const rest = text.replaceAll('--', '').replace('+goose', '')
    if (rest.includes('+goose')) fail(line, `"${text.trim()}" holds more than one "+goose" annotation`)
    const name = GOOSE_ANNOTATIONS.find((a) => a.toLowerCase() === rest.trim().toLowerCase())
    if (!name)
      fail(line, `unknown annotation "${text.trim()}" (goose knows ${GOOSE_ANNOTATIONS.map((a) => `"${a}"`).join(', ')}, in any case)`)
    if (name === 'Up') {
      if (state !== 'start') fail(line, 'a second "-- +goose Up" (goose refuses duplicate Up annotations)')
      state = 'up'
    } else if (name === 'Down') {
      if (state === 'start') fail(line, '"-- +goose Down" before "-- +goose Up" (goose needs Up first)')
      if (block) fail(line, `"-- +goose Down" inside the StatementBegin of line ${block.number}`)
      if (state === 'down') fail(line, 'a second "-- +goose Down"')
      state = 'down'
      downAt = line.start
    } else if (name === 'StatementBegin') {
      if (state === 'start') fail(line, '"-- +goose StatementBegin" before "-- +goose Up"')
      if (block) fail(line, `"-- +goose StatementBegin" inside the StatementBegin of line ${block.number}`)
      block = line
    } else if (name === 'StatementEnd') {
      if (!block) fail(line, '"-- +goose StatementEnd" without a StatementBegin before it')
      block = null
    } else if (name === 'NO TRANSACTION') transaction = false
    else if (name === 'ENVSUB ON')
      fail(
        line,
        '"-- +goose ENVSUB ON" substitutes environment variables into the SQL; a browser has no environment to take them from. Write the values into the file (a new migration if this one was applied)',
      )
  }
  if (block) fail(block, '"-- +goose StatementBegin" without a StatementEnd')
  if (state === 'start') fail(lines[0]!, 'no "-- +goose Up" annotation (goose needs one)')
  return { downAt, transaction }
}

const DBMATE_UP = /^--\s*migrate:up(\s|$)/
const DBMATE_DOWN = /^--\s*migrate:down(\s|$)/

/**
 * dbmate (`pkg/dbmate/migration.go`): `-- migrate:up` and `-- migrate:down` start the line (`--migrate:up` too), in
 * lower case; only comments and blank lines before the up block; a down block is required after it. Options follow
 * the marker as `key:value` (`transaction:false`). Newer dbmate reads several up/down pairs in one file, each run in
 * a transaction of its own; one migration here is one unit, so such a file is refused rather than merged.
 */
function readDbmate(lines: readonly Line[]): Sections {
  let up: Line | null = null
  let down: Line | null = null
  let transaction = true
  const fail = (line: Line, why: string): never => {
    throw new SqlSectionError(line.number, `dbmate: ${why}`)
  }
  for (const line of lines) {
    const { text } = line
    if (!LOOKS_LIKE.dbmate(text)) {
      if (!up && !isBlank(text) && !isComment(text))
        fail(line, 'SQL before "-- migrate:up" (dbmate refuses statements preceding the up block)')
      continue
    }
    if (/^\s/.test(text)) fail(line, `"${text.trim()}" is indented: dbmate reads a marker only at the start of a line`)
    if (DBMATE_UP.test(text)) {
      if (down)
        fail(
          line,
          `a second "-- migrate:up" section (after the down block of line ${down.number}): dbmate runs each section in a transaction of its own; split them into separate migration files`,
        )
      if (up) fail(line, `a second "-- migrate:up" (also line ${up.number})`)
      up = line
      transaction = dbmateTransaction(line, fail)
    } else if (DBMATE_DOWN.test(text)) {
      if (!up) fail(line, '"-- migrate:down" before "-- migrate:up" (dbmate requires the up block first)')
      if (down) fail(line, `a second "-- migrate:down" (also line ${down.number})`)
      down = line
    } else fail(line, `"${text.trim()}" is not a dbmate marker (dbmate knows "-- migrate:up" and "-- migrate:down", in lower case)`)
  }
  if (!up) fail(lines[0]!, 'no "-- migrate:up" (dbmate requires an up block)')
  if (!down) fail(up!, 'no "-- migrate:down" after the up block (dbmate requires one)')
  return { downAt: down!.start, transaction }
}

function dbmateTransaction(line: Line, fail: (line: Line, why: string) => never): boolean {
  // dbmate keeps `key:value` words after the marker and ignores other words; only `transaction` means anything.
  const value = line.text
    .replace(/^--\s*migrate:up/, '')
    .trim()
    .split(/\s+/)
    .map((word) => word.split(':'))
    .find((pair) => pair.length === 2 && pair[0] === 'transaction')?.[1]
  if (value === undefined || value === 'true') return true
  if (value === 'false') return false
  return fail(
    line,
    `"transaction:${value}": dbmate runs the block in a transaction unless the value is exactly "false"; write true or false`,
  )
}

const SQL_MIGRATE_PREFIX = '-- +migrate '

/**
 * sql-migrate (rubenv/sql-migrate `sqlparse`): a command is a line starting exactly `-- +migrate ` followed by `Up`,
 * `Down`, `StatementBegin` or `StatementEnd` (case-sensitive); `Up notransaction` runs the up part outside a
 * transaction. sql-migrate skips lines before the first section and ignores a command it does not know (so the
 * lines after a misspelt `-- +migrate down` would run as part of Up): both are refused here. A file with a Down
 * section only is a no-op upgrade, as in sql-migrate.
 */
function readSqlMigrate(lines: readonly Line[]): Sections {
  let direction: 'none' | 'up' | 'down' = 'none'
  let block: Line | null = null
  let up: Line | null = null
  let downAt: number | null = null
  let transaction = true
  const fail = (line: Line, why: string): never => {
    throw new SqlSectionError(line.number, `sql-migrate: ${why}`)
  }
  for (const line of lines) {
    const { text } = line
    if (!LOOKS_LIKE['sql-migrate'](text)) {
      if (direction === 'none' && !isBlank(text) && !isComment(text))
        fail(line, 'SQL before "-- +migrate Up" (sql-migrate never runs it; remove it or move it into the Up section)')
      continue
    }
    if (!text.startsWith(SQL_MIGRATE_PREFIX))
      fail(line, `"${text.trim()}" is not read as a command by sql-migrate (it needs a line starting exactly "-- +migrate ")`)
    const [command, ...options] = text.slice(SQL_MIGRATE_PREFIX.length).trim().split(/\s+/)
    if (command === 'Up') {
      if (up) fail(line, `a second "-- +migrate Up" (also line ${up.number})`)
      if (direction === 'down') fail(line, '"-- +migrate Up" after "-- +migrate Down": put the Up section first')
      up = line
      direction = 'up'
      if (options.includes('notransaction')) transaction = false
    } else if (command === 'Down') {
      if (direction === 'down') fail(line, 'a second "-- +migrate Down"')
      if (block) fail(line, `"-- +migrate Down" inside the StatementBegin of line ${block.number}`)
      direction = 'down'
      downAt = line.start
    } else if (command === 'StatementBegin') {
      if (direction !== 'none') block = line
    } else if (command === 'StatementEnd') block = null
    else
      fail(
        line,
        `unknown command "${command ?? ''}" (sql-migrate ignores it, so the lines after it would run in the section before; it knows Up, Down, StatementBegin, StatementEnd, case-sensitive)`,
      )
  }
  if (block) fail(block, '"-- +migrate StatementBegin" without a StatementEnd')
  if (direction === 'none') fail(lines[0]!, 'no "-- +migrate Up" or "-- +migrate Down" section')
  return { downAt, transaction }
}
