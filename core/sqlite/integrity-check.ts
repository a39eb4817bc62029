import type { ForeignKeyViolation, IntegrityReport, VerifyCheck } from '../../shared/types'
import type { Database } from './sqlite'

/**
 * Runs `PRAGMA integrity_check` (first 100 problems) and `PRAGMA foreign_key_check` (foreign keys are checked whether
 * or not the connection enforces them). Read-only.
 *
 * @example
 * const report = checkIntegrity(db)
 * if (!report.ok) console.error(report.integrity, report.foreignKeys)
 */
export function checkIntegrity(db: Database): IntegrityReport {
  const started = performance.now()
  const { messages: integrity } = pragmaCheck(db, 'integrity_check', 100)
  const foreignKeys: ForeignKeyViolation[] = db.selectObjects('PRAGMA foreign_key_check').map((v) => ({
    table: String(v.table),
    rowid: v.rowid === null || v.rowid === undefined ? null : Number(v.rowid),
    parent: String(v.parent),
    foreignKey: Number(v.fkid),
  }))
  const ok = integrity.length === 1 && integrity[0] === 'ok' && foreignKeys.length === 0
  return { ok, integrity, foreignKeys, durationMs: performance.now() - started }
}

/**
 * Runs `PRAGMA quick_check(limit)` or `PRAGMA integrity_check(limit)`: SQLite answers one row `ok`, or one row per
 * problem (up to `limit`).
 *
 * @example
 * const { ok, messages } = pragmaCheck(db, 'quick_check')
 */
export function pragmaCheck(db: Database, check: VerifyCheck, limit = 100): { ok: boolean; messages: string[] } {
  const messages = db.selectValues(`PRAGMA ${check}(${Math.trunc(limit)})`).map(String)
  return { ok: messages.length === 1 && messages[0] === 'ok', messages }
}
