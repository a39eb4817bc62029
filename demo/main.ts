import { type DatabaseHandle, openDatabase, type OpenDatabaseOptions } from 'sqlite-opfs-migrate'

import { wireConsole } from './console-panel'
import { type DemoConfig, demoQuery, LATEST, parseDemoConfig } from './demo-config'
import { byId, el } from './dom'
import { renderFailure } from './failure-panel'
import { wireFile } from './file-panel'
import { renderHistory, wireHistory } from './history-panel'
import type { Inspector } from './inspector'
import { replaceKeepingState } from './keep-view-state'
import { renderNotes, wireNotes } from './notes-panel'
import { schemaView } from './schema-panel'
import { renderSnapshots } from './snapshots-panel'
import { renderStatus, renderStorage, setState, showProgress, showVersionChange, type State } from './status-panel'

// The inspector: opens app.db through the library's public API only, as the demo app (v1 or v2) would, and shows
// everything about it. A failed upgrade is shown, then the database is reopened without upgrading, to inspect it.

const config = parseDemoConfig(location.search)
let state: State = 'opening'
let openError: unknown = null

const inspector: Inspector = { db: null, config, refresh }

function open(autoMigrate: boolean): Promise<DatabaseHandle> {
  const options: OpenDatabaseOptions = {
    name: 'app.db',
    worker: () => new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module', name: demoQuery(config) }),
    onProgress: showProgress,
    onVersionChange: (event) => {
      showVersionChange(event)
      void refresh()
    },
    autoMigrate,
    // OPFS where the browser has it; elsewhere (WebKitGTK, private windows) IndexedDB, and the Storage line says so.
    storage: 'auto',
    // ?fail=N changes migration N's SQL; accept that edit so an already-applied N does not block the page.
    acceptEditedMigrations: config.fail === null ? false : [config.fail],
  }
  return openDatabase(options)
}

// Refreshes come from buttons, the console, focus and other tabs, often several at once. Two renders running at the
// same time would interleave their panels (one's schema, the other's snapshots); so one runs at a time, and requests
// that arrive meanwhile are served by a single render after it, which reads everything afresh.
let rendering: Promise<void> | null = null
let again: Promise<void> | null = null

function refresh(): Promise<void> {
  if (!rendering) {
    rendering = renderOrShowLoss().finally(() => (rendering = null))
    return rendering
  }
  again ??= rendering.then(() => {
    again = null
    return refresh()
  })
  return again
}

async function renderOrShowLoss(): Promise<void> {
  try {
    await render()
  } catch (error) {
    // The worker died, the database was closed under us, or a newer app in another tab upgraded it: say so instead
    // of showing stale panels.
    openError = error
    const tooNew = (error as { code?: string }).code === 'DATABASE_TOO_NEW'
    state = tooNew ? 'too new' : 'failed'
    inspector.db = null
    byId('step').textContent = tooNew
      ? 'Another tab upgraded the database to a newer version than this app knows; reload to use it.'
      : 'The database is no longer available; reload to open it again.'
    await render()
  } finally {
    // Lets a test (or a person's tooling) wait for a refresh to have landed instead of guessing with a delay.
    document.body.dataset.renders = String(Number(document.body.dataset.renders ?? 0) + 1)
  }
}

async function render(): Promise<void> {
  await renderStorage()
  const db = inspector.db
  setControlsEnabled(db !== null)
  if (!db) {
    setState(state)
    renderFailure(null, openError)
    return
  }
  const status = await db.status()
  if (state !== 'failed and restored') state = status.pending.length ? 'pending' : 'up to date'
  setState(state)
  renderStatus(status)
  renderFailure(status.lastFailure, status.lastFailure ? null : openError)
  renderHistory(status)
  renderSnapshots(inspector, status.snapshots)
  replaceKeepingState(byId('schema'), schemaView(await db.schema()))
  await renderNotes(db, status.version)
}

function setControlsEnabled(enabled: boolean): void {
  for (const control of document.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLTextAreaElement>(
    'main button, main input, main textarea',
  ))
    if (control.id !== 'persist') control.disabled = !enabled
}

function renderAppSwitch(current: DemoConfig): void {
  const link = (label: string, target: DemoConfig, description: string) =>
    el(
      'a',
      { href: `?${demoQuery(target)}`, title: description, ...(demoQuery(target) === demoQuery(current) ? { ariaCurrent: 'page' } : {}) },
      label,
    )
  byId('app-switch').replaceChildren(
    'App version: ',
    link('v1', { app: 'v1', fail: null }, 'migrations 1–3'),
    link('v2', { app: 'v2', fail: null }, 'migrations 1–5: a table rebuild and a tag backfill'),
    link('v2, migration 4 fails', { app: 'v2', fail: 4 }, 'the rebuild fails after its work; the snapshot is restored'),
    link('v2, migration 5 fails', { app: 'v2', fail: 5 }, 'the backfill throws; the snapshot is restored'),
  )
  byId('app-label').textContent =
    `(app ${current.app}${current.fail ? `, migration ${current.fail} set to fail` : ''}; ships 1–${LATEST[current.app]})`
}

async function main(): Promise<void> {
  renderAppSwitch(config)
  wireHistory(inspector)
  wireFile(inspector)
  wireConsole(inspector)
  wireNotes(inspector)
  try {
    inspector.db = await open(true)
    const applied = inspector.db.opened.appliedNow
    const recovered = inspector.db.opened.recoveredFrom
    byId('step').textContent =
      (recovered ? `Finished an interrupted change by restoring snapshot ${recovered.id}. ` : '') +
      (applied.length ? `Upgraded: applied ${applied.map((m) => m.version).join(', ')}` : 'Up to date at open')
  } catch (error) {
    openError = error
    const code = (error as { code?: string }).code
    state = code === 'DATABASE_TOO_NEW' ? 'too new' : code === 'MIGRATION_FAILED' ? 'failed and restored' : 'failed'
    byId('step').textContent =
      code === 'MIGRATION_FAILED' ? 'The upgrade failed; the database was put back as it was.' : 'The database could not be opened.'
    // A failed upgrade left the file as it was: open it without upgrading, so it can still be inspected and used.
    if (code === 'MIGRATION_FAILED') inspector.db = await open(false).catch(() => null)
  }
  await refresh()
  document.body.dataset.ready = 'true'
  // Other tabs write to the same database and may take it over: show their changes when this tab comes back.
  window.addEventListener('focus', () => void refresh())
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && void refresh())
}

if (import.meta.env.PROD && 'serviceWorker' in navigator) void navigator.serviceWorker.register('./sw.js')
void main()
