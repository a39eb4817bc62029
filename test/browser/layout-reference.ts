import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { loadNodeSqlite } from '../../node/node-sqlite'
import { layouts } from '../unit/fixtures/layouts/layouts'

/** The unit fixtures of other tools' migration folders. */
export const layoutFixtures = join(import.meta.dirname, '../unit/fixtures/layouts')

/** Every schema object but sqlite's and the library's own history, in a stable order. */
export const SCHEMA = `SELECT type, name, tbl_name, sql FROM sqlite_schema
  WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> 'schema_migrations' ORDER BY name`

/**
 * What the tool itself gives for a fixture folder: its files applied one by one in the tool's order (sqlite-wasm's
 * Node build, in memory), as the schema and each table's rows.
 */
export async function toolResult(tool: string): Promise<{ schema: Record<string, unknown>[]; data: [string, unknown[]][] }> {
  const sqlite3 = await loadNodeSqlite()
  const db = new sqlite3.oo1.DB(':memory:')
  try {
    db.exec('PRAGMA foreign_keys = ON')
    const layout = layouts[tool]!
    for (const path of layout.toolOrder) db.exec(readFileSync(join(layoutFixtures, layout.dir, path), 'utf8'))
    const schema = db.selectObjects(SCHEMA)
    const tables = schema.filter((o) => o.type === 'table').map((t) => String(t.name))
    return { schema, data: tables.map((t) => [t, db.selectObjects(`SELECT * FROM "${t}" ORDER BY rowid`)]) }
  } finally {
    db.close()
  }
}
