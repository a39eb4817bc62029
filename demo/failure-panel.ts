import type { UpgradeFailure } from 'sqlite-opfs-migrate'

import { byId, describeError, el, formatTime } from './dom'
import { replaceKeepingState } from './keep-view-state'

/**
 * The last failed upgrade as recorded by the library (it survives reloads), or, when the database could not be opened
 * at all, the error of this open.
 */
export function renderFailure(failure: UpgradeFailure | null, openError: unknown): void {
  const section = byId('failure')
  const body = byId('failure-body')
  if (!failure && !openError) {
    section.hidden = true
    body.replaceChildren()
    return
  }
  section.hidden = false
  if (!failure) {
    replaceKeepingState(body, el('div', {}, el('p', { class: 'error', id: 'open-error' }, describeError(openError)), hintFor(openError)))
    return
  }
  const facts: [string, string][] = [
    ['Error', `${failure.errorName} [${failure.code}]`],
    ['When', formatTime(failure.at)],
    ['Upgrade', `${failure.fromVersion} → ${failure.toVersion} (failed during ${failure.phase})`],
    ['Migration', failure.version === null ? '–' : `${failure.version} ${failure.migrationName ?? ''}`],
    ['SQLite code', failure.sqliteCode === null ? '–' : String(failure.sqliteCode)],
    [
      'Restored',
      failure.restoredToVersion === null
        ? failure.phase === 'preparation'
          ? 'nothing had changed'
          : 'no: retried at next open'
        : `to version ${failure.restoredToVersion} from snapshot ${failure.snapshotId}`,
    ],
  ]
  replaceKeepingState(
    body,
    el(
      'div',
      {},
      el(
        'dl',
        { class: 'facts', id: 'failure-facts' },
        ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { dataset: { fact: k } }, v)]),
      ),
      failure.statement
        ? el('details', { open: true }, el('summary', {}, 'Failing statement'), el('pre', { id: 'failure-statement' }, failure.statement))
        : null,
      el('details', {}, el('summary', {}, 'Full message'), el('pre', {}, failure.message)),
    ),
  )
}

function hintFor(error: unknown): HTMLElement | null {
  const code = (error as { code?: string })?.code
  if (code === 'DATABASE_TOO_NEW')
    return el('p', {}, 'This database was upgraded by a newer app. Open the newer app version (v2) to use it; nothing was changed.')
  if (code === 'OWNED_ELSEWHERE')
    return el(
      'p',
      {},
      'Another tab has this database and did not make it available in time (it may still be upgrading a large file). Reload to try again.',
    )
  return null
}
