// An app built with the packed package's Vite plugin: it adds a row at each load and shows what the database holds.
import { openDatabase } from 'sqlite-opfs-migrate'

const out = document.getElementById('out')!
try {
  const db = await openDatabase({
    name: 'plugin-app.db',
    worker: () => new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }),
  })
  await db.exec('INSERT INTO items (label) VALUES (?)', [`load ${Date.now()}`])
  const status = await db.status()
  const items = await db.query('SELECT * FROM items ORDER BY id')
  out.textContent = JSON.stringify({
    version: status.version,
    history: status.applied.map((m) => [m.version, m.name, m.checksum === null ? 'code' : m.checksum.length]),
    checksums: status.applied.map((m) => m.checksum),
    items,
  })
} catch (error) {
  out.textContent = `error: ${String(error)}`
}
