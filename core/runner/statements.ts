import type { Database, Sqlite3 } from '../sqlite/sqlite'
import { withoutLeadingComments } from './statement-kind'

/** SQLITE_ROW, SQLITE_DONE */
const ROW = 100
const DONE = 101

/** One statement of an SQL text, as SQLite's own statement iteration delimits it. */
export interface SqlStatement {
  /** The statement's text, without the comments that lead up to it. */
  sql: string
  /** 1-based line of the statement's first token in the whole text. */
  line: number
}

/** A statement SQLite could not prepare or run. `line` points at the failing token when SQLite says where it is. */
export class StatementError extends Error {
  constructor(
    readonly statement: string,
    readonly line: number,
    readonly resultCode: number,
    readonly sqliteMessage: string,
  ) {
    super(sqliteMessage)
    this.name = 'StatementError'
  }
}

/**
 * Runs the statements of `sql` one by one the way `sqlite3_exec` does — prepare with `sqlite3_prepare_v3`, step to
 * the end, continue at the tail — so each is compiled against the schema the previous ones left, and strings,
 * comments and trigger bodies never split a statement. `visit` sees each statement before it runs and may return
 * `'skip'`. Throws `StatementError` (with the line) at the first statement SQLite refuses.
 *
 * @example
 * runStatements(sqlite3, db, 'CREATE TABLE t(a);\nINSERT INTO t VALUES (1);', (s) => console.log(s.line, s.sql))
 * // 1 CREATE TABLE t(a);   2 INSERT INTO t VALUES (1);
 */
export function runStatements(
  sqlite3: Sqlite3,
  db: Database,
  sql: string,
  visit: (statement: SqlStatement) => 'run' | 'skip' | void = () => 'run',
): void {
  const { capi, wasm } = sqlite3
  const bytes = new TextEncoder().encode(sql)
  const lineAt = lineCounter(bytes)
  const stack = wasm.scopedAllocPush()
  const pointers = wasm.pstack.pointer
  try {
    const ppStmt = wasm.pstack.allocPtr() as number
    const pzTail = wasm.pstack.allocPtr() as number
    const base = wasm.scopedAlloc(bytes.byteLength + 1) as number
    wasm.heap8u().set(bytes, base)
    wasm.poke8(base + bytes.byteLength, 0)
    let offset = 0
    while (offset < bytes.byteLength) {
      wasm.pokePtr(ppStmt, 0)
      wasm.pokePtr(pzTail, 0)
      const rc = capi.sqlite3_prepare_v3(db.pointer!, base + offset, bytes.byteLength - offset, 0, ppStmt, pzTail)
      const pStmt = wasm.peekPtr(ppStmt) as number
      if (rc !== 0) {
        const errorOffset = capi.sqlite3_error_offset(db.pointer!) as number
        const text = firstStatement(sqlite3, new TextDecoder().decode(bytes.subarray(offset)))
        const line = errorOffset >= 0 ? lineAt(offset + errorOffset) : lineAt(offset + leadingBytes(text))
        throw new StatementError(withoutLeadingComments(text), line, rc, capi.sqlite3_errmsg(db.pointer!) as string)
      }
      const start = offset
      offset = (wasm.peekPtr(pzTail) as number) - base
      if (!pStmt) continue // only whitespace or comments were left
      const text = capi.sqlite3_sql(pStmt) as string
      const statement = { sql: withoutLeadingComments(text), line: lineAt(start + leadingBytes(text)) }
      try {
        if (visit(statement) === 'skip') continue
        let step: number
        while ((step = capi.sqlite3_step(pStmt) as number) === ROW);
        if (step !== DONE) throw new StatementError(statement.sql, statement.line, step, capi.sqlite3_errmsg(db.pointer!) as string)
      } finally {
        capi.sqlite3_finalize(pStmt)
      }
    }
  } finally {
    wasm.pstack.restore(pointers)
    wasm.scopedAllocPop(stack)
  }
}

/** Byte length of the whitespace and comments before a statement's first token (`sqlite3_sql()` keeps them). */
function leadingBytes(text: string): number {
  const lead = text.length - withoutLeadingComments(text).length
  return new TextEncoder().encode(text.slice(0, lead)).byteLength
}

/** Maps a byte offset in the text to its 1-based line. */
function lineCounter(bytes: Uint8Array): (offset: number) => number {
  const newlines: number[] = []
  bytes.forEach((b, i) => b === 10 && newlines.push(i))
  return (offset) => {
    let low = 0
    let high = newlines.length
    while (low < high) {
      const mid = (low + high) >> 1
      if (newlines[mid]! < offset) low = mid + 1
      else high = mid
    }
    return low + 1
  }
}

/** The first complete statement of a text (for error messages when SQLite could not prepare it). */
function firstStatement(sqlite3: Sqlite3, text: string): string {
  for (let at = text.indexOf(';'); at !== -1; at = text.indexOf(';', at + 1)) {
    if (sqlite3.capi.sqlite3_complete(text.slice(0, at + 1))) return text.slice(0, at + 1)
  }
  return text
}
