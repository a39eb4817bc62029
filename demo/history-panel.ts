import type { DatabaseStatus, DryRunResult } from 'sqlite-opfs-migrate'

import { byId, el, formatTime, table } from './dom'
import { act, type Inspector } from './inspector'
import { replaceKeepingState } from './keep-view-state'
import { schemaView } from './schema-panel'

/** Applied migrations, and pending ones with their SQL. */
export function renderHistory(status: DatabaseStatus): void {
  replaceKeepingState(
    byId('history'),
    ...status.applied.map((m) =>
      el(
        'tr',
        {},
        el('td', {}, String(m.version)),
        el('td', {}, m.name),
        el(
          'td',
          { title: m.checksum ?? 'code migrations have no checksum' },
          el('code', {}, m.checksum ? m.checksum.slice(0, 12) : 'code'),
        ),
        el('td', {}, formatTime(m.appliedAt)),
        el('td', { class: 'num' }, m.durationMs.toFixed(1)),
      ),
    ),
  )
  replaceKeepingState(
    byId('pending'),
    status.pending.length === 0
      ? el('p', {}, 'None: the database is at the app’s latest migration.')
      : el(
          'div',
          {},
          ...status.pending.map((m) =>
            el(
              'details',
              { dataset: { version: String(m.version) } },
              el('summary', {}, `${m.version} ${m.name} (${m.kind}${m.transaction ? '' : ', no transaction'})`),
              m.sql ? el('pre', {}, m.sql) : el('p', {}, 'A TypeScript migration: up(db) runs in the worker.'),
            ),
          ),
        ),
  )
  byId<HTMLButtonElement>('migrate').disabled = status.pending.length === 0
  byId<HTMLButtonElement>('dry-run').disabled = status.pending.length === 0
}

/** Wires "Run pending migrations" and "Dry run". */
export function wireHistory(inspector: Inspector): void {
  const out = byId('dry-run-result')
  const migrate = byId<HTMLButtonElement>('migrate')
  migrate.onclick = () =>
    act(inspector, migrate, out, async (db) => {
      const applied = await db.migrate()
      return el('p', { class: 'ok' }, `Applied ${applied.map((m) => `${m.version} ${m.name}`).join(', ') || 'nothing'}`)
    })
  const dry = byId<HTMLButtonElement>('dry-run')
  dry.onclick = () => act(inspector, dry, out, async (db) => dryRunView(await db.dryRun()))
}

function dryRunView(run: DryRunResult): HTMLElement {
  return el(
    'div',
    { id: 'dry-run-report' },
    el(
      'p',
      { class: run.ok ? 'ok' : 'bad' },
      `Dry run on an in-memory copy (the file was not touched): ${run.ok ? 'every migration applies' : 'the upgrade would fail and be rolled back'}; ` +
        `${run.fromVersion} → ${run.reachedVersion} in ${run.durationMs.toFixed(1)} ms.`,
    ),
    table(
      ['Version', 'Name', 'Outcome', 'ms', 'Error'],
      run.steps.map((s) => [
        String(s.version),
        s.name,
        el(
          'span',
          { class: s.outcome === 'failed' ? 'bad' : s.outcome === 'applied' ? 'ok' : '', dataset: { outcome: s.outcome } },
          s.outcome,
        ),
        s.durationMs === null ? '–' : s.durationMs.toFixed(1),
        s.error
          ? el(
              'span',
              { class: 'error' },
              `${s.error.message}${s.error.sqliteCode === null ? '' : ` (SQLite ${s.error.sqliteCode})`}${s.error.statement ? `\n${s.error.statement}` : ''}`,
            )
          : '',
      ]),
      'Dry run steps',
    ),
    run.verify ? el('p', {}, `${run.verify.check}: ${run.verify.messages.join('; ')}`) : null,
    el('details', {}, el('summary', {}, 'Schema after the dry run'), schemaView(run.schema)),
  )
}
