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
  if (!inTransaction) return 'run'
  const kind = statementKind(statement)
  if (kind === 'transaction-control' || kind === 'foreign-keys-pragma') return 'skip'
  return kind === 'rollback' ? 'refuse' : 'run'
}

/** A statement without the comments and blank lines that lead up to it. */
export function withoutLeadingComments(statement: string): string {
  return statement.replace(/^(?:\s*(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|;))*\s*/, '')
}
