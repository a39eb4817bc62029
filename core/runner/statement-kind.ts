/**
 * What the runner needs to know about a statement before running it in a migration's transaction:
 * - `transaction-control`: `BEGIN`, `COMMIT`, `END` — the runner opens and commits the transaction itself;
 * - `foreign-keys-pragma`: `PRAGMA foreign_keys = …` — a silent no-op inside a transaction; the runner already turns
 *   foreign keys off around every migration and runs `PRAGMA foreign_key_check` before committing;
 * - `rollback`: a `ROLLBACK` (not `ROLLBACK TO`) would throw the migration away;
 * - `no-transaction`: `VACUUM`, `ATTACH`, `DETACH` fail inside a transaction;
 * - `other`: everything else, run as written.
 *
 * @example
 * statementKind('-- 12-step rebuild\nPRAGMA foreign_keys=OFF;') // → 'foreign-keys-pragma'
 */
export type StatementKind = 'transaction-control' | 'foreign-keys-pragma' | 'rollback' | 'no-transaction' | 'other'

/** Classifies one statement (as SQLite's statement iteration delimits it; leading comments allowed). */
export function statementKind(statement: string): StatementKind {
  const text = withoutLeadingComments(statement)
  if (/^(BEGIN|COMMIT|END)\b/i.test(text)) return 'transaction-control'
  if (/^ROLLBACK\b/i.test(text) && !/^ROLLBACK\s+(TRANSACTION\s+)?TO\b/i.test(text)) return 'rollback'
  if (/^PRAGMA\s+(["`[]?main["`\]]?\s*\.\s*)?["`[]?foreign_keys["`\]]?\s*(=|\()/i.test(text)) return 'foreign-keys-pragma'
  if (/^(VACUUM|ATTACH|DETACH)\b/i.test(text)) return 'no-transaction'
  return 'other'
}

/** Why a `ROLLBACK` in a migration file is refused. */
export const ROLLBACK_REFUSED = 'ROLLBACK would discard the migration; remove it (a failing statement already undoes the whole migration)'

/**
 * What the runner does with a statement of a SQL migration (the build-time check follows the same rule):
 * - outside a transaction (`no-transaction` migrations), the file manages its own transactions: `run` everything;
 * - inside the runner's transaction, a file's own `BEGIN`/`COMMIT`/`END` and `PRAGMA foreign_keys` are `skip`ped (the
 *   runner already gives the migration one transaction, turns foreign keys off and checks them before COMMIT), and a
 *   `ROLLBACK` is `refuse`d (it would discard the migration).
 *
 * @example
 * runnerTreatment('COMMIT;', true) // → 'skip'
 */
export function runnerTreatment(statement: string, inTransaction: boolean): 'run' | 'skip' | 'refuse' {
  if (refusalOf(statement, inTransaction)) return 'refuse'
  if (!inTransaction) return 'run'
  const kind = statementKind(statement)
  return kind === 'transaction-control' || kind === 'foreign-keys-pragma' ? 'skip' : 'run'
}

/**
 * Why the runner refuses a statement (see `runnerTreatment`), or `null`: a `ROLLBACK` inside the runner's transaction
 * (`rollback`), or, in any migration, a PRAGMA that takes away crash safety (`unsafe-pragma`, see `unsafePragmaReason`).
 *
 * @example
 * refusalOf('PRAGMA journal_mode = OFF;', true) // → { rule: 'unsafe-pragma', reason: 'PRAGMA journal_mode = off …' }
 */
export function refusalOf(statement: string, inTransaction: boolean): { rule: 'rollback' | 'unsafe-pragma'; reason: string } | null {
  const assignment = pragmaAssignment(statement)
  const unsafe = assignment && unsafePragmaReason(assignment.name, assignment.value)
  if (unsafe) return { rule: 'unsafe-pragma', reason: unsafe }
  if (inTransaction && statementKind(statement) === 'rollback') return { rule: 'rollback', reason: ROLLBACK_REFUSED }
  return null
}

/**
 * Why setting a pragma in a migration is refused, or `null` when it is allowed. Refused: settings that remove crash
 * safety while the migration writes (`journal_mode` other than DELETE/TRUNCATE/PERSIST, i.e. OFF, MEMORY or WAL;
 * `synchronous = OFF`), take the file's locking from the library (`locking_mode`, any value), or let a statement write
 * the schema table directly (`writable_schema = ON`). Every other setting is allowed and put back after the migration
 * (see `connection-settings.ts`). `name` as SQLite reports it to an authorizer (any case), `value` unquoted.
 *
 * @example
 * unsafePragmaReason('synchronous', 'NORMAL') // → null
 * unsafePragmaReason('synchronous', '0')      // → 'PRAGMA synchronous = 0 …'
 */
export function unsafePragmaReason(name: string, value: string | null): string | null {
  if (value === null) return null
  const pragma = name.toLowerCase()
  const v = value.toLowerCase()
  const refused = (why: string) => `PRAGMA ${pragma} = ${value} is refused in a migration: ${why}`
  if (pragma === 'journal_mode' && !['delete', 'truncate', 'persist'].includes(v))
    return refused(
      'without a rollback journal on disk a crash mid-migration leaves the file half changed (use DELETE, TRUNCATE or PERSIST, or none)',
    )
  if (pragma === 'synchronous' && (v === 'off' || v === '0'))
    return refused('writes would not be flushed before the upgrade marker is cleared, so a crash could lose or tear them')
  if (pragma === 'locking_mode') return refused('the library manages the file lock (an exclusive lock outlives the migration)')
  if (pragma === 'writable_schema' && !['off', '0', 'false', 'no', 'reset'].includes(v))
    return refused('writing sqlite_schema directly can corrupt the file, and ROLLBACK does not undo the setting')
  return null
}

const NAME = String.raw`(?:"(?:[^"]|"")*"|\x60(?:[^\x60]|\x60\x60)*\x60|\[[^\]]*\]|\w+)`
const VALUE = String.raw`'(?:[^']|'')*'|"(?:[^"]|"")*"|[+-]?[\w.]+`
const PRAGMA = new RegExp(String.raw`^PRAGMA\s+(?:${NAME}\s*\.\s*)?(${NAME})\s*(?:=|\()\s*(${VALUE})`, 'i')

/**
 * The pragma a statement sets (`PRAGMA [schema.]name = value` or `(value)`), comments anywhere ignored; `null` for any
 * other statement, or a pragma that is only read.
 *
 * @example
 * pragmaAssignment("-- speed\nPRAGMA main.journal_mode = 'off';") // → { name: 'journal_mode', value: 'off' }
 */
export function pragmaAssignment(statement: string): { name: string; value: string } | null {
  const match = PRAGMA.exec(withoutComments(statement).trim())
  return match ? { name: unquote(match[1]!).toLowerCase(), value: unquote(match[2]!) } : null
}

const unquote = (token: string): string =>
  /^['"\x60]/.test(token)
    ? token.slice(1, -1).replaceAll(token[0]!.repeat(2), token[0]!)
    : token.startsWith('[')
      ? token.slice(1, -1)
      : token

/**
 * Splits SQL text into statements at top-level `;` (not inside strings, quoted names or comments), without SQLite: the
 * check at open runs before the database (or sqlite-wasm) is there. A trigger body may be cut at its inner `;`, which
 * is harmless for what this is used for (finding PRAGMA statements, which a trigger body cannot hold).
 *
 * @example
 * splitStatements("SELECT ';';\n-- x;\nPRAGMA cache_size = 10") // → [{ sql: "SELECT ';';", line: 1 }, { sql: 'PRAGMA cache_size = 10', line: 3 }]
 */
export function splitStatements(sql: string): { sql: string; line: number }[] {
  const statements: { sql: string; line: number }[] = []
  let start = 0
  let line = 1 // of `start`: counted piece by piece, so a large seed file stays linear
  const newlines = (text: string) => text.split('\n').length - 1
  const flush = (end: number) => {
    const text = sql.slice(start, end)
    const body = withoutLeadingComments(text)
    if (body.replace(/;/g, '').trim() !== '')
      statements.push({ sql: body.trim(), line: line + newlines(text.slice(0, text.length - body.length)) })
    line += newlines(text)
    start = end
  }
  scan(sql, (at) => flush(at + 1))
  flush(sql.length)
  return statements
}

/** The text with every comment replaced by a space (strings and quoted names kept). */
function withoutComments(sql: string): string {
  let out = ''
  let from = 0
  scan(sql, undefined, (commentStart, commentEnd) => {
    out += `${sql.slice(from, commentStart)} `
    from = commentEnd
  })
  return out + sql.slice(from)
}

/** Walks SQL text the way SQLite's tokenizer delimits strings, quoted names and comments. */
function scan(sql: string, onSemicolon?: (at: number) => void, onComment?: (start: number, end: number) => void): void {
  const closers: Record<string, string> = { "'": "'", '"': '"', '\x60': '\x60', '[': ']' }
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!
    if (c === ';') onSemicolon?.(i)
    else if (c in closers) {
      const end = sql.indexOf(closers[c]!, i + 1)
      i = end === -1 ? sql.length : end // a doubled quote reads as two strings back to back: same boundaries
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      onComment?.(i, end === -1 ? sql.length : end)
      i = end === -1 ? sql.length : end
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      onComment?.(i, end === -1 ? sql.length : end + 2)
      i = end === -1 ? sql.length : end + 1
    }
  }
}

/** A statement without the comments and blank lines that lead up to it. */
export function withoutLeadingComments(statement: string): string {
  return statement.replace(/^(?:\s*(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|;))*\s*/, '')
}
