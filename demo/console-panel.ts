import type { SqlValue } from 'sqlite-opfs-migrate'

import { byId, describeError, el, table } from './dom'
import type { Inspector } from './inspector'

const MAX_ROWS = 500

/** Wires the SQL console: results as a table (first 500 rows), errors inline. Ctrl/⌘+Enter runs. */
export function wireConsole(inspector: Inspector): void {
  const form = byId<HTMLFormElement>('console')
  const sql = byId<HTMLTextAreaElement>('sql')
  const out = byId('console-result')
  sql.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      form.requestSubmit()
    }
  })
  form.onsubmit = async (event) => {
    event.preventDefault()
    if (!inspector.db) return
    const started = performance.now()
    try {
      const rows = await inspector.db.query(sql.value)
      const ms = (performance.now() - started).toFixed(1)
      if (rows.length === 0) {
        out.replaceChildren(el('p', {}, `Done in ${ms} ms; no rows returned.`))
      } else {
        const columns = Object.keys(rows[0]!)
        out.replaceChildren(
          el(
            'p',
            {},
            `${rows.length} row${rows.length === 1 ? '' : 's'} in ${ms} ms${rows.length > MAX_ROWS ? `, showing the first ${MAX_ROWS}` : ''}.`,
          ),
          table(
            columns,
            rows.slice(0, MAX_ROWS).map((row) => columns.map((c) => show(row[c]))),
            'Query result',
          ),
        )
      }
    } catch (error) {
      out.replaceChildren(el('p', { class: 'error', role: 'alert' }, describeError(error)))
    }
    await inspector.refresh()
  }
}

function show(value: SqlValue | undefined): string {
  if (value === null || value === undefined) return 'NULL'
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`
  return String(value)
}
