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

/** A statement without the comments and blank lines that lead up to it. */
export function withoutLeadingComments(statement: string): string {
  return statement.replace(/^(?:\s*(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|;))*\s*/, '')
}
