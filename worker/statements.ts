import type { Sqlite3 } from './sqlite'

/**
 * Splits SQL text into statements with SQLite's own tokenizer (`sqlite3_complete`), so semicolons inside strings,
 * comments and trigger bodies (`BEGIN … END;`) never split a statement. Comments and blank text between statements are
 * kept with the statement that follows; trailing comments are dropped. A last statement without `;` is kept.
 *
 * Why split at all: running statements one by one lets a failure name the exact statement that failed.
 *
 * @example
 * splitStatements(sqlite3, "CREATE TABLE t(a); INSERT INTO t VALUES ('x;y');")
 * // → ["CREATE TABLE t(a);", "INSERT INTO t VALUES ('x;y');"]
 */
export function splitStatements(sqlite3: Sqlite3, sql: string): string[] {
  const complete = sqlite3.capi.sqlite3_complete
  const statements: string[] = []
  let start = 0
  let searchFrom = 0
  while (start < sql.length) {
    const semicolon = sql.indexOf(';', searchFrom)
    if (semicolon === -1) {
      const rest = sql.slice(start).trim()
      if (rest && !isOnlyComments(sqlite3, rest)) statements.push(rest)
      break
    }
    const candidate = sql.slice(start, semicolon + 1)
    if (complete(candidate)) {
      const text = candidate.trim()
      if (!isOnlyComments(sqlite3, text)) statements.push(text)
      start = semicolon + 1
    }
    searchFrom = semicolon + 1
  }
  return statements
}

/** True when the text holds no statement at all (blank, comments, or a lone `;`). */
function isOnlyComments(sqlite3: Sqlite3, text: string): boolean {
  // A text that is "complete" once we append "SELECT 1;" only because of that SELECT holds no statement of its own:
  // cheaper and exact is to ask SQLite to prepare it; an empty statement yields a null statement pointer.
  const { wasm, capi } = sqlite3
  const stack = wasm.pstack.pointer
  try {
    const ppStmt = wasm.pstack.allocPtr() as number
    const db = emptyDb(sqlite3)
    const rc = capi.sqlite3_prepare_v3(db, text, -1, 0, ppStmt, null)
    const pStmt = wasm.peekPtr(ppStmt) as number
    if (pStmt) capi.sqlite3_finalize(pStmt)
    // A prepare error means there is text SQLite sees as a statement (possibly against tables it does not know).
    return rc === 0 && !pStmt
  } finally {
    wasm.pstack.restore(stack)
  }
}

let scratch: { sqlite3: Sqlite3; pointer: number } | null = null
/** A private in-memory connection used only to recognise empty statements. */
function emptyDb(sqlite3: Sqlite3): number {
  if (scratch?.sqlite3 !== sqlite3) scratch = { sqlite3, pointer: new sqlite3.oo1.DB(':memory:').pointer as number }
  return scratch.pointer
}
