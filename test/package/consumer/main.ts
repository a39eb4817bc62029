// An app that installed the packed tarball: only the package's public entry points.
import { DatabaseTooNewError, openDatabase } from 'sqlite-opfs-migrate'

const out = document.getElementById('out')!
try {
  const db = await openDatabase({
    name: 'consumer.db',
    worker: () => new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }),
  })
  await db.exec('INSERT INTO items (label) VALUES (?)', ['from the packed build'])
  const rows = await db.query<{ n: number }>('SELECT count(*) AS n FROM items')
  const { version } = await db.status()
  out.textContent = JSON.stringify({ version, rows: rows[0]!.n, errorClass: typeof DatabaseTooNewError })
} catch (error) {
  out.textContent = `error: ${String(error)}`
}
