import { openDatabase, type DatabaseHandle, type ProgressEvent, SqliteOpfsMigrateError } from 'sqlite-opfs-migrate'

// A minimal inspector using only the public API: open (and upgrade) app.db, show version, history, pending
// migrations and snapshots, add notes, take and restore snapshots, download the file.
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T
const text = (id: string, value: string) => ($(id).textContent = value)
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`

function setState(state: string) {
  $('state').dataset.state = state
  text('state', state)
}

function showProgress(event: ProgressEvent) {
  const bar = $<HTMLProgressElement>('progress')
  bar.hidden = false
  switch (event.type) {
    case 'quota-check':
      return text('step', `Checking storage: ${kib(event.requiredBytes)} needed`)
    case 'snapshot':
      bar.value = event.totalBytes ? event.bytesWritten / event.totalBytes : 1
      return text('step', event.done ? `Snapshot saved (${kib(event.totalBytes)})` : 'Saving snapshot…')
    case 'migration-start':
      setState('upgrading')
      bar.value = event.index / event.total
      return text('step', `Migration ${event.index + 1} of ${event.total}: ${event.version} ${event.name}`)
    case 'migration-end':
      bar.value = (event.index + 1) / event.total
      return
    case 'verify':
      return text('step', event.done ? `Integrity check: ${event.ok ? 'ok' : 'FAILED'}` : 'Checking integrity…')
    case 'restore':
      bar.value = event.totalBytes ? event.bytesRead / event.totalBytes : 1
      return text('step', event.done ? 'Restored from snapshot' : 'Restoring from snapshot…')
  }
}

async function render(db: DatabaseHandle) {
  const status = await db.status()
  text('version', String(status.version))
  text('latest', String(status.latestVersion))
  text('vfs', status.vfs)
  text('size', kib(status.bytes))
  setState(status.pending.length ? 'pending' : 'up to date')
  $('history').replaceChildren(
    ...status.applied.map((m) => row([String(m.version), m.name, (m.checksum ?? 'code').slice(0, 12), m.appliedAt, String(m.durationMs)])),
  )
  $('pending').replaceChildren(
    ...(status.pending.length ? status.pending.map((m) => li(`${m.version} ${m.name} (${m.kind})`)) : [li('none')]),
  )
  $('snapshots').replaceChildren(
    ...status.snapshots.map((s) => {
      const tr = row([s.createdAt, s.reason, `${s.fromVersion} → ${s.toVersion}`, kib(s.bytes), s.sha256.slice(0, 12)])
      const restore = document.createElement('button')
      restore.textContent = 'Restore'
      restore.onclick = async () => {
        if (!confirm(`Restore the database to this snapshot (version ${s.fromVersion})? The current state is snapshotted first.`)) return
        await guard(async () => {
          const result = await db.restoreSnapshot(s.id)
          text('step', `Restored snapshot from ${s.createdAt}: now at version ${result.version}`)
        })
        await render(db)
      }
      const cell = document.createElement('td')
      cell.append(restore)
      tr.append(cell)
      return tr
    }),
  )
  const notes = await db.query<{ id: number; title: string; tags: string | null }>(
    status.version >= 2
      ? `SELECT n.id, n.title, group_concat(t.name, ', ') AS tags FROM notes n
         LEFT JOIN note_tags nt ON nt.note_id = n.id LEFT JOIN tags t ON t.id = nt.tag_id GROUP BY n.id ORDER BY n.id DESC`
      : `SELECT id, title, NULL AS tags FROM notes ORDER BY id DESC`,
  )
  $('notes').replaceChildren(...notes.map((n) => li(n.tags ? `${n.title} — tags: ${n.tags}` : n.title)))
}

function row(cells: string[]) {
  const tr = document.createElement('tr')
  for (const value of cells) {
    const td = document.createElement('td')
    td.textContent = value
    tr.append(td)
  }
  return tr
}

function li(value: string) {
  const item = document.createElement('li')
  item.textContent = value
  return item
}

function showError(error: unknown) {
  const e = error as Error & { code?: string }
  $('error').hidden = false
  $('error').textContent = error instanceof SqliteOpfsMigrateError ? `${e.name} [${e.code}]\n${e.message}` : String(error)
}

async function guard(run: () => Promise<void>) {
  try {
    $('error').hidden = true
    await run()
  } catch (error) {
    showError(error)
  }
}

async function main() {
  let db: DatabaseHandle
  try {
    db = await openDatabase({
      name: 'app.db',
      worker: () => new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }),
      onProgress: showProgress,
    })
  } catch (error) {
    const code = (error as { code?: string }).code
    setState(code === 'DATABASE_TOO_NEW' ? 'too new' : code === 'MIGRATION_FAILED' ? 'failed and restored' : 'failed')
    showError(error)
    return
  }
  const applied = db.opened.appliedNow
  text('step', applied.length ? `Upgraded: applied ${applied.map((m) => m.version).join(', ')}` : 'Up to date at open')
  $('add-note').addEventListener('submit', (event) => {
    event.preventDefault()
    const input = $<HTMLInputElement>('title')
    void guard(async () => {
      const { lastInsertRowid } = await db.exec('INSERT INTO notes (title) VALUES (?)', [input.value])
      for (const [, tag] of input.value.matchAll(/#([\p{L}\p{N}_-]+)/gu)) {
        await db.batch([
          { sql: 'INSERT OR IGNORE INTO tags (name) VALUES (?)', params: [tag!.toLowerCase()] },
          { sql: 'INSERT OR IGNORE INTO note_tags SELECT ?, id FROM tags WHERE name = ?', params: [lastInsertRowid, tag!.toLowerCase()] },
        ])
      }
      input.value = ''
      await render(db)
    })
  })
  $('take-snapshot').addEventListener('click', () => void guard(async () => (await db.snapshot(), render(db))))
  $('export').addEventListener('click', () =>
    void guard(async () => {
      const url = URL.createObjectURL(await db.exportDatabase())
      const a = Object.assign(document.createElement('a'), { href: url, download: 'app.sqlite' })
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 1000)
    }),
  )
  await render(db)
}

void main()
