import type { ColumnShape, ForeignKeyShape, IndexShape, SchemaShape, TableShape } from '../src/types'
import { HISTORY_TABLE } from './history'
import { closingParen, isWord, normaliseSql, splitTopLevel, tokenize, type SqlToken } from './sql-tokens'
import type { Database } from './sqlite'

/**
 * Reads the normalised schema of a database's `main` schema (temp objects, our history table and SQLite's `sqlite_*`
 * internals left out): what a schema means, not how it was written, so the same schema reached by different
 * migrations (`ALTER TABLE ADD COLUMN` or the column inline, `"t"` or `t`, other whitespace) reads the same, and
 * any real difference (an index, a default, a CHECK, a foreign key action, a view's SQL) does not. Read-only; reads
 * pragmas and `sqlite_schema`, never a table's rows. Everything is sorted, so equal schemas give equal shapes.
 *
 * @example
 * const shape = schemaShape(db)
 * shape.tables.find((t) => t.name === 'notes')?.columns.map((c) => c.name)
 */
export function schemaShape(db: Database): SchemaShape {
  const objects = db.selectObjects(
    `SELECT type, name, tbl_name AS tableName, sql FROM main.sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND lower(tbl_name) <> '${HISTORY_TABLE}'`,
  ) as { type: string; name: string; tableName: string; sql: string | null }[]
  const kinds = new Map(db.selectObjects(`SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'`).map((t) => [String(t.name), t]))
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  const tables = objects
    .filter((o) => o.type === 'table' && kinds.get(o.name)?.type !== 'shadow')
    .map((o) => tableShape(db, o.name, o.sql ?? '', kinds.get(o.name)))
    .sort(byName)
  return {
    tables,
    views: objects.filter((o) => o.type === 'view').map((o) => ({ name: o.name, sql: normaliseSql(o.sql ?? '') })).sort(byName),
    triggers: objects.filter((o) => o.type === 'trigger').map((o) => ({ name: o.name, table: o.tableName, sql: normaliseSql(o.sql ?? '') })).sort(byName),
  }
}

function tableShape(db: Database, name: string, sql: string, kind: Record<string, unknown> | undefined): TableShape {
  const tokens = tokenize(sql)
  const table: TableShape = {
    name,
    virtual: kind?.type === 'virtual',
    strict: kind?.strict === 1,
    withoutRowid: kind?.wr === 1,
    autoincrement: tokens.some((t) => isWord(t, 'AUTOINCREMENT')),
    columns: [],
    checks: [],
    foreignKeys: [],
    indexes: [],
    sql: kind?.type === 'virtual' ? normaliseSql(tokens) : null,
  }
  if (table.virtual) return table
  const definitions = parseTableBody(tokens)
  table.checks = definitions.checks.sort()
  table.columns = db.selectObjects(`SELECT name, type, "notnull" AS nn, dflt_value AS dflt, pk, hidden FROM pragma_table_xinfo(?, 'main') ORDER BY cid`, [name]).map(
    (c): ColumnShape => {
      const parsed = definitions.columns.get(String(c.name).toLowerCase())
      return {
        name: String(c.name),
        type: normaliseSql(String(c.type ?? '')),
        notNull: c.nn === 1,
        default: c.dflt === null || c.dflt === undefined ? null : withoutOuterParens(String(c.dflt)),
        primaryKey: Number(c.pk),
        hidden: Number(c.hidden),
        collation: parsed?.collation ?? 'BINARY',
        generated: parsed?.generated ?? null,
      }
    },
  )
  table.foreignKeys = foreignKeysOf(db, name)
  table.indexes = indexesOf(db, name)
  return table
}

/** CHECK constraints (column and table ones alike), and each column's collation and generation expression. */
function parseTableBody(tokens: readonly SqlToken[]): { checks: string[]; columns: Map<string, { collation: string; generated: string | null }> } {
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.text === '(')
  const checks: string[] = []
  const columns = new Map<string, { collation: string; generated: string | null }>()
  if (open < 0) return { checks, columns }
  const TABLE_CONSTRAINT = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']
  for (const item of splitTopLevel(tokens.slice(open + 1, closingParen(tokens, open)))) {
    const isColumn = !TABLE_CONSTRAINT.some((w) => isWord(item[0], w))
    const column = { collation: 'BINARY', generated: null as string | null }
    for (let i = isColumn ? 1 : 0; i < item.length; i++) {
      const token = item[i]!
      if (token.kind === 'punct' && token.text === '(') {
        i = closingParen(item, i) // only top-level keywords of the definition count
        continue
      }
      const next = item[i + 1]
      const parenthesised = () => normaliseSql(item.slice(i + 2, closingParen(item, i + 1)))
      if (isWord(token, 'CHECK') && next?.text === '(') checks.push(parenthesised())
      else if (isColumn && isWord(token, 'COLLATE') && next) column.collation = normaliseSql([next])
      else if (isColumn && isWord(token, 'AS') && next?.text === '(') {
        const end = closingParen(item, i + 1)
        column.generated = `${parenthesised()} ${isWord(item[end + 1], 'STORED') ? 'STORED' : 'VIRTUAL'}`
      }
    }
    if (isColumn && item[0]) columns.set(unquoted(item[0]).toLowerCase(), column)
  }
  return { checks, columns }
}

function foreignKeysOf(db: Database, table: string): ForeignKeyShape[] {
  const byId = new Map<number, ForeignKeyShape>()
  for (const row of db.selectObjects(`SELECT * FROM pragma_foreign_key_list(?, 'main') ORDER BY id, seq`, [table])) {
    const id = Number(row.id)
    const key = byId.get(id) ?? {
      columns: [],
      table: String(row.table),
      references: [],
      onUpdate: String(row.on_update),
      onDelete: String(row.on_delete),
      match: String(row.match),
    }
    key.columns.push(String(row.from))
    key.references.push(row.to === null || row.to === undefined ? '' : String(row.to))
    byId.set(id, key)
  }
  return [...byId.values()].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
}

function indexesOf(db: Database, table: string): IndexShape[] {
  const list = db.selectObjects(`SELECT name, "unique" AS uniq, origin, partial FROM pragma_index_list(?, 'main')`, [table])
  const indexes = list.map((index): IndexShape => {
    const name = String(index.name)
    const sql = String(db.selectValue(`SELECT sql FROM main.sqlite_schema WHERE type = 'index' AND name = ?`, [name]) ?? '')
    const { expressions, where } = parseIndexSql(sql)
    const columns = db
      .selectObjects(`SELECT cid, name, "desc" AS descending, coll FROM pragma_index_xinfo(?, 'main') WHERE key = 1 ORDER BY seqno`, [name])
      .map((c, i) => {
        const what = Number(c.cid) === -2 ? (expressions[i] ?? '?') : Number(c.cid) === -1 ? 'rowid' : String(c.name)
        return `${what}${String(c.coll).toUpperCase() === 'BINARY' ? '' : ` COLLATE ${String(c.coll).toUpperCase()}`}${c.descending === 1 ? ' DESC' : ''}`
      })
    const origin = String(index.origin) as IndexShape['origin']
    // SQLite names the indexes of UNIQUE/PRIMARY KEY constraints by position (sqlite_autoindex_t_2): name them by what they cover.
    const key = origin === 'c' ? name : `${origin === 'pk' ? 'PRIMARY KEY' : 'UNIQUE'} (${columns.join(', ')})`
    return { name: key, unique: index.uniq === 1, origin, columns, where }
  })
  return indexes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** The expressions of `CREATE INDEX … ON t (expr [COLLATE c] [ASC|DESC], …) [WHERE …]`, and the WHERE. */
function parseIndexSql(sql: string): { expressions: string[]; where: string | null } {
  const tokens = tokenize(sql)
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.text === '(')
  if (open < 0) return { expressions: [], where: null }
  const close = closingParen(tokens, open)
  const expressions = splitTopLevel(tokens.slice(open + 1, close)).map((item) => {
    let end = item.length
    if (isWord(item[end - 1], 'ASC') || isWord(item[end - 1], 'DESC')) end--
    if (end >= 2 && isWord(item[end - 2], 'COLLATE')) end -= 2
    return normaliseSql(item.slice(0, end))
  })
  const where = isWord(tokens[close + 1], 'WHERE') ? normaliseSql(tokens.slice(close + 2)) : null
  return { expressions, where }
}

/** `(0)` and `0` are the same default: outer parentheses around the whole expression are dropped. */
function withoutOuterParens(sql: string): string {
  let tokens = tokenize(sql)
  while (tokens.length >= 2 && tokens[0]!.text === '(' && closingParen(tokens, 0) === tokens.length - 1) tokens = tokens.slice(1, -1)
  return normaliseSql(tokens)
}

/** A name token's text without its quotes. */
function unquoted(token: SqlToken): string {
  if (token.kind !== 'quoted' && token.kind !== 'string') return token.text
  const q = token.text[0]!
  return q === '[' ? token.text.slice(1, -1) : token.text.slice(1, -1).replaceAll(q + q, q)
}
