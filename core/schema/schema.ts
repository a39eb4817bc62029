import type { ColumnInfo, SchemaObject } from '../../shared/types'
import type { Database } from '../sqlite/sqlite'

const ORDER = `CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 WHEN 'index' THEN 2 ELSE 3 END`

/**
 * Describes a database's schema: tables (with columns and row counts), views (with columns), indexes and triggers, in
 * that order, SQLite's internal `sqlite_*` objects left out.
 *
 * @example
 * for (const t of describeSchema(db).filter((o) => o.type === 'table')) console.log(t.name, t.rowCount)
 */
export function describeSchema(db: Database): SchemaObject[] {
  const objects = db.selectObjects(
    `SELECT type, name, tbl_name AS tableName, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY ${ORDER}, name`,
  ) as { type: SchemaObject['type']; name: string; tableName: string; sql: string | null }[]
  return objects.map((o) => ({
    ...o,
    columns: o.type === 'table' || o.type === 'view' ? columnsOf(db, o.name) : [],
    rowCount: o.type === 'table' ? Number(db.selectValue(`SELECT count(*) FROM ${quoteIdentifier(o.name)}`)) : null,
  }))
}

function columnsOf(db: Database, table: string): ColumnInfo[] {
  return db
    .selectObjects('SELECT name, type, "notnull" AS nn, dflt_value AS defaultValue, pk AS primaryKey, hidden FROM pragma_table_xinfo(?)', [
      table,
    ])
    .map((c) => ({
      name: String(c.name),
      type: String(c.type ?? ''),
      notNull: c.nn === 1,
      defaultValue: c.defaultValue === null || c.defaultValue === undefined ? null : String(c.defaultValue),
      primaryKey: Number(c.primaryKey),
      hidden: Number(c.hidden),
    }))
}

/** `"name"` with embedded quotes doubled: safe for any table name. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`
