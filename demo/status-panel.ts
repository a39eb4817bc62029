import type { DatabaseStatus, ProgressEvent, VersionChangeEvent } from 'sqlite-opfs-migrate'

import { byId, el, formatBytes } from './dom'

/** The badge's states. */
export type State = 'opening' | 'upgrading' | 'up to date' | 'pending' | 'too new' | 'failed and restored' | 'failed'

/** Sets the state badge. */
export function setState(state: State): void {
  const badge = byId('state')
  badge.dataset.state = state
  badge.textContent = state
}

/** Name, version against the app's latest, storage and file size. */
export function renderStatus(status: DatabaseStatus): void {
  byId('version').textContent = String(status.version)
  byId('latest').textContent = String(status.latestVersion)
  const { kind, fallbackReason } = status.storage
  byId('vfs').textContent = kind === 'opfs' ? `OPFS (${status.vfs})` : `IndexedDB (${status.vfs} in the worker, saved at every commit)`
  byId('vfs').title = fallbackReason ?? ''
  const { isOwner, ownerTab, connected } = status.tabs
  byId('tabs').textContent =
    `${isOwner ? 'this tab owns the file' : `served by another tab (${ownerTab.slice(0, 8)})`}; ` +
    `${connected} tab${connected === 1 ? '' : 's'} connected`
  byId('size').textContent = formatBytes(status.bytes)
  const { state, recordedBy } = status.schema
  const schema = byId('schema-state')
  schema.dataset.state = state
  schema.className = state === 'changed' ? 'bad' : ''
  schema.textContent =
    state === 'matches'
      ? `as migration ${recordedBy} left it`
      : state === 'changed'
        ? `changed outside the migrations (not what migration ${recordedBy} left)`
        : 'not known (no fingerprint recorded)'
}

/** Origin usage and quota, and whether storage is persistent (with a button asking for it when it is not). */
export async function renderStorage(): Promise<void> {
  const { usage = 0, quota = 0 } = (await navigator.storage?.estimate?.()) ?? {}
  byId('usage').textContent = `${formatBytes(usage)} of ${formatBytes(quota)} quota (${quota ? ((usage / quota) * 100).toFixed(2) : '0'} %)`
  const persisted = (await navigator.storage?.persisted?.()) ?? false
  byId('persisted').textContent = persisted ? 'yes: the browser will not evict this origin under pressure' : 'no (best effort)'
  const button = byId<HTMLButtonElement>('persist')
  button.hidden = persisted
  button.onclick = async () => {
    const granted = await navigator.storage.persist()
    byId('step').textContent = granted ? 'Storage is now persistent' : 'The browser declined to make storage persistent'
    await renderStorage()
  }
}

/** Shows an upgrade or restore step in the progress bar and the status line. */
export function showProgress(event: ProgressEvent): void {
  byId('progress-box').hidden = false
  const bar = byId<HTMLProgressElement>('progress')
  const step = byId('step')
  switch (event.type) {
    case 'quota-check':
      bar.value = 0
      step.textContent = `Checking storage: ${formatBytes(event.requiredBytes)} needed, ${event.availableBytes === null ? 'unknown' : formatBytes(event.availableBytes)} available`
      return
    case 'snapshot':
      bar.value = event.totalBytes ? event.bytesWritten / event.totalBytes : 1
      step.textContent = event.done
        ? `Snapshot saved (${formatBytes(event.totalBytes)})`
        : `Saving snapshot: ${formatBytes(event.bytesWritten)} of ${formatBytes(event.totalBytes)}`
      return
    case 'migration-start':
      setState('upgrading')
      bar.value = event.index / event.total
      step.textContent = `Migration ${event.index + 1} of ${event.total}: ${event.version} ${event.name}`
      return
    case 'migration-end':
      bar.value = (event.index + 1) / event.total
      step.textContent = `Migration ${event.index + 1} of ${event.total} done: ${event.version} ${event.name} (${event.durationMs.toFixed(1)} ms)`
      return
    case 'verify':
      step.textContent = event.done ? `Verification (${event.check}): ${event.ok ? 'ok' : 'FAILED'}` : `Verifying (${event.check})…`
      return
    case 'restore':
      bar.value = event.totalBytes ? event.bytesRead / event.totalBytes : 1
      step.textContent = event.done
        ? `Restored from snapshot (${event.reason})`
        : `Restoring from snapshot (${event.reason}): ${formatBytes(event.bytesRead)} of ${formatBytes(event.totalBytes)}`
      return
  }
}

/** A tab with newer migrations took the database over, or it is already newer than this app: ask for a reload. */
export function showVersionChange(event: VersionChangeEvent): void {
  const banner = byId('version-banner')
  banner.hidden = false
  banner.replaceChildren(
    event.reason === 'newer-tab'
      ? `A newer version of this app (migrations up to ${event.newVersion}) was opened in another tab and is upgrading the database. `
      : `The database is at version ${event.newVersion}, newer than this app knows (${event.knownVersion}). `,
    'Reload this tab to use the new version. ',
    el('button', { type: 'button', id: 'reload', onclick: () => location.reload() }, 'Reload'),
  )
}
