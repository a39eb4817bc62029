import { byId, download, el, table } from './dom'
import { act, type Inspector } from './inspector'

/** Wires download, import (validated by the library; refused files leave the database as it was) and integrity check. */
export function wireFile(inspector: Inspector): void {
  const out = byId('file-result')
  const exportButton = byId<HTMLButtonElement>('export')
  exportButton.onclick = () =>
    act(inspector, exportButton, out, async (db) => {
      const blob = await db.exportDatabase()
      download(blob, `${db.name.replace(/\.db$/, '')}.sqlite`)
      return `Downloaded ${db.name} (${blob.size} bytes)`
    })

  const input = byId<HTMLInputElement>('import-file')
  const importButton = byId<HTMLButtonElement>('import')
  importButton.onclick = () => {
    const file = input.files?.[0]
    if (!file) {
      out.replaceChildren(el('p', { class: 'error', role: 'alert' }, 'Choose a .sqlite file first.'))
      input.focus()
      return
    }
    void act(inspector, importButton, out, async (db) => {
      const result = await db.importDatabase(file)
      input.value = ''
      return el(
        'p',
        { class: 'ok' },
        `Imported ${file.name}: the database is now at version ${result.version}. ` +
          `The previous database is kept as snapshot ${result.undoSnapshot.id} (restore it to undo).`,
      )
    })
  }

  const integrity = byId<HTMLButtonElement>('integrity')
  integrity.onclick = () =>
    act(inspector, integrity, out, async (db) => {
      const report = await db.integrityCheck()
      return el(
        'div',
        { id: 'integrity-report' },
        el(
          'p',
          { class: report.ok ? 'ok' : 'bad' },
          `${report.ok ? 'Sound' : 'Problems found'}: integrity_check ${report.integrity.join('; ')}; ` +
            `foreign_key_check ${report.foreignKeys.length} violation(s) (${report.durationMs.toFixed(1)} ms).`,
        ),
        report.foreignKeys.length
          ? table(
              ['Table', 'Row', 'Parent'],
              report.foreignKeys.map((v) => [v.table, v.rowid === null ? '–' : String(v.rowid), v.parent]),
              'Foreign key violations',
            )
          : null,
      )
    })
}
