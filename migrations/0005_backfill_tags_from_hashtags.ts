import type { MigrationDatabase } from 'sqlite-opfs-migrate/worker'

/**
 * A data backfill written in TypeScript: every `#word` in a note's title becomes a tag. Runs synchronously inside the
 * migration's transaction, so a failure leaves no half-tagged notes.
 */
export function up(db: MigrationDatabase): void {
  const notes = db.selectObjects('SELECT id, title FROM notes')
  const insertTag = db.prepare('INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id')
  const link = db.prepare('INSERT OR IGNORE INTO note_tags (note_id, tag_id) VALUES (?, ?)')
  try {
    for (const note of notes) {
      for (const [, tag] of String(note.title).matchAll(/#([\p{L}\p{N}_-]+)/gu)) {
        insertTag.bind([tag!.toLowerCase()]).step()
        const tagId = insertTag.get(0)
        insertTag.reset()
        link.bind([note.id as number, tagId as number]).stepReset()
      }
    }
  } finally {
    insertTag.finalize()
    link.finalize()
  }
}
