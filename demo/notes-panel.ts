import type { DatabaseHandle } from 'sqlite-opfs-migrate'

import { byId, el } from './dom'
import { act, type Inspector } from './inspector'
import { replaceKeepingState } from './keep-view-state'

const HASHTAG = /#([\p{L}\p{N}_-]+)/gu

const SHOWN = 50

/** The demo app's own data: the newest notes, with their tags once the database has them (migration 2). */
export async function renderNotes(db: DatabaseHandle, version: number): Promise<void> {
  const notes = await db.query<{ id: number; title: string; tags: string | null }>(
    version >= 2
      ? `SELECT n.id, n.title, group_concat(t.name, ', ') AS tags FROM (SELECT id, title FROM notes ORDER BY id DESC LIMIT ${SHOWN}) n
         LEFT JOIN note_tags nt ON nt.note_id = n.id LEFT JOIN tags t ON t.id = nt.tag_id GROUP BY n.id ORDER BY n.id DESC`
      : `SELECT id, title, NULL AS tags FROM notes ORDER BY id DESC LIMIT ${SHOWN}`,
  )
  const [{ total }] = (await db.query<{ total: number }>('SELECT count(*) AS total FROM notes')) as [{ total: number }]
  replaceKeepingState(byId('notes'), ...notes.map((n) => el('li', {}, n.tags ? `${n.title} — tags: ${n.tags}` : n.title)))
  byId('notes-count').textContent = total > SHOWN ? `The newest ${SHOWN} of ${total} notes.` : ''
}

/**
 * Adding a note. App v1 only writes the note; v2 also tags it, which is why v2's backfill migration tags the notes v1
 * wrote.
 */
export function wireNotes(inspector: Inspector): void {
  const form = byId<HTMLFormElement>('add-note')
  const input = byId<HTMLInputElement>('title')
  form.onsubmit = (event) => {
    event.preventDefault()
    void act(inspector, form.querySelector('button'), byId('step'), async (db) => {
      const title = input.value
      const tags = inspector.config.app === 'v2' ? [...title.matchAll(HASHTAG)].map(([, tag]) => tag!.toLowerCase()) : []
      await db.batch([
        { sql: 'INSERT INTO notes (title) VALUES (?)', params: [title] },
        ...tags.flatMap((tag) => [
          { sql: 'INSERT OR IGNORE INTO tags (name) VALUES (?)', params: [tag] },
          {
            sql: 'INSERT OR IGNORE INTO note_tags SELECT note.id, tags.id FROM (SELECT max(id) AS id FROM notes) AS note, tags WHERE tags.name = ?',
            params: [tag],
          },
        ]),
      ])
      input.value = ''
      return `Added “${title}”`
    })
  }
}
