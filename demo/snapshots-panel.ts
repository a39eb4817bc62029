import type { SnapshotInfo } from 'sqlite-opfs-migrate'

import { byId, download, el, formatBytes, formatTime } from './dom'
import { act, type Inspector } from './inspector'
import { replaceKeepingState } from './keep-view-state'

/** The snapshot list with restore (confirmed), download and delete (confirmed) per snapshot. */
export function renderSnapshots(inspector: Inspector, snapshots: readonly SnapshotInfo[]): void {
  const out = byId('snapshot-result')
  replaceKeepingState(
    byId('snapshots'),
    ...snapshots.map((s) => {
      const label = `snapshot of version ${s.fromVersion} taken ${formatTime(s.createdAt)}`
      const restore = el('button', { type: 'button', ariaLabel: `Restore ${label}` }, 'Restore')
      restore.onclick = () => {
        if (!confirm(`Restore the database to this ${label}? The current database is snapshotted first, so this can be undone.`)) return
        void act(inspector, restore, out, async (db) => {
          const result = await db.restoreSnapshot(s.id)
          return el(
            'span',
            { class: 'ok' },
            `Restored the ${label}: the database is at version ${result.version}. ` +
              `The state before is kept as snapshot ${result.undoSnapshot?.id ?? '(none)'}.`,
          )
        })
      }
      const save = el('button', { type: 'button', ariaLabel: `Download ${label}` }, 'Download')
      save.onclick = () =>
        act(inspector, save, out, async (db) => {
          download(await db.exportSnapshot(s.id), `${s.database}-v${s.fromVersion}-${s.id}.sqlite`)
          return `Downloaded the ${label}`
        })
      const remove = el('button', { type: 'button', ariaLabel: `Delete ${label}` }, 'Delete')
      remove.onclick = () => {
        if (!confirm(`Delete the ${label}? It cannot be restored afterwards.`)) return
        void act(inspector, remove, out, async (db) => ((await db.deleteSnapshot(s.id)) ? `Deleted the ${label}` : 'It was already gone'))
      }
      return el(
        'tr',
        { dataset: { snapshot: s.id, reason: s.reason, from: String(s.fromVersion) } },
        el('td', {}, formatTime(s.createdAt)),
        el('td', {}, s.reason),
        el('td', {}, s.fromVersion === s.toVersion ? `${s.fromVersion}` : `${s.fromVersion} → ${s.toVersion}`),
        el('td', { class: 'num' }, formatBytes(s.bytes)),
        el('td', { title: s.checksum }, el('code', {}, s.checksum.slice(0, 12))),
        el('td', {}, el('div', { class: 'actions' }, restore, save, remove)),
      )
    }),
  )
  const take = byId<HTMLButtonElement>('take-snapshot')
  take.onclick = () => act(inspector, take, out, async (db) => `Snapshot ${(await db.snapshot()).id} taken`)
}
