/**
 * `formatReport`: a `verifyUpgrades` report as a table, one row per starting database. Printed by the CLI's `verify`
 * and in the Vite plugin's build error.
 *
 * @module
 */
import type { UpgradeCheck, VerifyReport } from './verify-upgrades'

/**
 * The report as a table: one row per start (from, steps, result, first difference or failure), then a summary.
 *
 * @example
 * console.log(formatReport(await verifyUpgrades({ migrations: 'migrations' })))
 */
export function formatReport(report: VerifyReport): string {
  const rows = report.checks.map((c) => [startOf(c), String(c.steps), c.result === 'same' ? 'ok' : c.result.toUpperCase(), detailOf(c)])
  const head = ['from', 'steps', 'result', 'first difference']
  const widths = [0, 1, 2].map((i) => Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell))
      .join('  ')
      .trimEnd()
  const bad = report.checks.filter((c) => c.result !== 'same').length
  const summary = report.freshFailure
    ? `FAILED: a fresh install fails: ${report.freshFailure.message}`
    : report.ok
      ? `ok: ${report.checks.length} start(s) upgrade to the schema of a fresh install (version ${report.latestVersion}) in ${Math.round(report.durationMs)} ms`
      : `FAILED: ${bad} of ${report.checks.length} start(s) do not reach the schema of a fresh install (version ${report.latestVersion})`
  return [...(rows.length ? [line(head), ...rows.map(line)] : []), summary].join('\n')
}

const startOf = (c: UpgradeCheck): string => (c.fixture ? `${c.fixture} (v${c.from})` : `v${c.from}`)

function detailOf(c: UpgradeCheck): string {
  if (!c.failure) return c.difference ?? ''
  const at = c.failure.version === null ? '' : `migration ${c.failure.version}${c.failure.name ? ` ("${c.failure.name}")` : ''}: `
  return `[${c.failure.code}] ${c.failure.code === 'MIGRATION_FAILED' ? '' : at}${c.failure.message.split('\n')[0]}`
}
