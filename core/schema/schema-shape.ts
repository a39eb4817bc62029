import { HISTORY_TABLE } from '../../shared/stored-names'
import type { ColumnShape, ForeignKeyShape, IndexShape, SchemaShape, TableShape } from '../../shared/types'
import type { Database } from '../sqlite/sqlite'
import { closingParen, isWord, normaliseSql, splitTopLevel, type SqlToken, tokenize } from './sql-tokens'

/**
 * Reads the normalised schema of a database's `main` schema (temp objects, our history table and SQLite's `sqlite_*`
 * internals left out): what a schema means, not how it was written, so the same schema reached by different
 * migrations (`ALTER TABLE ADD COLUMN` or the column inline, `"t"` or `t`, other whitespace) reads the same, and
 * any real difference (an index, a default, a CHECK, a foreign key action, a view's SQL) does not. Read-only; reads
 * pragmas and `sqlite_schema`, never a table's rows. Everything is sorted, so equal schemas give equal shapes.
 *
 * The shape is a function of the `sqlite_schema` text alone, so it is cached by that text (one small query on a hit):
 * an upgrade passes through the same schemas from every start, and `verifyUpgrades` reads each of them many times.
 * The returned object is shared: do not change it.
 *
 * @example
 * const shape = schemaShape(db)
 * shape.tables.find((t) => t.name === 'notes')?.columns.map((c) => c.name)
 */
export function schemaShape(db: Database): SchemaShape {
  const key = String(
    db.selectValue(
      `SELECT json_group_array(json_array(type, name, tbl_name, sql) ORDER BY type, name) FROM main.sqlite_schema WHERE ${OURS}`,
    ) ?? '[]',
  )
  const cached = CACHE.get(key)
  if (cached) {
    CACHE.delete(key) // most recently used last
    CACHE.set(key, cached)
    return cached
  }
  const shape = readShape(
    db,
    (JSON.parse(key) as [string, string, string, string | null][]).map(([type, name, tableName, sql]) => ({ type, name, tableName, sql })),
  )
  CACHE.set(key, shape)
  cachedChars += key.length
  for (const [old] of CACHE) {
    if (cachedChars <= MAX_CACHED_CHARS && CACHE.size <= MAX_CACHED) break
    CACHE.delete(old)
    cachedChars -= old.length
  }
  return shape
}

/** Shapes by schema text, least recently used first; bounded (a few MB at most). */
const CACHE = new Map<string, SchemaShape>()
const MAX_CACHED = 256
const MAX_CACHED_CHARS = 4_000_000
let cachedChars = 0

function readShape(db: Database, objects: readonly { type: string; name: string; tableName: string; sql: string | null }[]): SchemaShape {
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  // Three queries for the whole schema (pragmas joined over sqlite_schema, rows aggregated to JSON in SQLite): a query
  // per table, or a JS object per row, cost ~10× more.
  const columns = groupByTable(
    db,
    ['c.name', 'c.type', 'c."notnull"', 'c.dflt_value', 'c.pk', 'c.hidden'],
    `JOIN pragma_table_xinfo(m.name, 'main') c`,
    'c.cid',
  )
  const keys = groupByTable(
    db,
    ['f.id', 'f."table"', 'f."from"', 'f."to"', 'f.on_update', 'f.on_delete', 'f."match"'],
    `JOIN pragma_foreign_key_list(m.name, 'main') f`,
    'f.id, f.seq',
  )
  const indexColumns = groupByTable(
    db,
    ['il.name', 'il."unique"', 'il.origin', 's.sql', 'x.cid', 'x.name', 'x."desc"', 'x.coll'],
    `JOIN pragma_index_list(m.name, 'main') il JOIN pragma_index_xinfo(il.name, 'main') x LEFT JOIN main.sqlite_schema s ON s.type = 'index' AND s.name = il.name`,
    'il.name, x.seqno',
    'x.key = 1',
  )
  // Shadow tables (fts5's f_data, …) belong to their virtual table; only SQLite knows which they are.
  const shadow = objects.some((o) => o.type === 'table' && /^\s*CREATE\s+VIRTUAL\b/i.test(o.sql ?? ''))
    ? new Set(db.selectValues(`SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'`).map(String))
    : new Set<string>()
  const tables = objects
    .filter((o) => o.type === 'table' && !shadow.has(o.name))
    .map((o) =>
      tableShape({
        name: o.name,
        sql: o.sql ?? '',
        columns: columns.get(o.name) ?? [],
        keys: keys.get(o.name) ?? [],
        indexColumns: indexColumns.get(o.name) ?? [],
      }),
    )
    .sort(byName)
  return {
    tables,
    views: objects
      .filter((o) => o.type === 'view')
      .map((o) => ({ name: o.name, sql: normaliseSql(o.sql ?? '') }))
      .sort(byName),
    triggers: objects
      .filter((o) => o.type === 'trigger')
      .map((o) => ({ name: o.name, table: o.tableName, sql: normaliseSql(o.sql ?? '') }))
      .sort(byName),
  }
}

/** Objects of the app: not SQLite's own, not our history table (nor indexes and triggers on it). */
const OURS = `name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND lower(tbl_name) <> '${HISTORY_TABLE}'`
/** The app's ordinary tables as `m` (virtual tables' pragmas need their module, and their SQL says it all). */
const APP_TABLE = `m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND lower(m.name) <> '${HISTORY_TABLE}' AND m.sql NOT LIKE 'CREATE VIRTUAL%'`

type Row = unknown[]

/** Rows of `fields` per app table (`m`), in `order`, as arrays: one query, its rows aggregated to JSON by SQLite. */
function groupByTable(db: Database, fields: readonly string[], join: string, order: string, where = '1'): Map<string, Row[]> {
  const json = db.selectValue(
    `SELECT json_group_array(json_array(m.name, ${fields.join(', ')}) ORDER BY m.name, ${order}) FROM main.sqlite_schema m ${join} WHERE ${APP_TABLE} AND ${where}`,
  )
  const groups = new Map<string, Row[]>()
  for (const [table, ...row] of JSON.parse(String(json ?? '[]')) as [string, ...unknown[]][]) {
    const rows = groups.get(table)
    if (rows) rows.push(row)
    else groups.set(table, [row])
  }
  return groups
}

interface TableRows {
  name: string
  sql: string
  columns: Row[]
  keys: Row[]
  indexColumns: Row[]
}

function tableShape({ name, sql, columns, keys, indexColumns }: TableRows): TableShape {
  const tokens = tokenize(sql)
  const virtual = isWord(tokens[1], 'VIRTUAL')
  // Table options follow the column list: `) STRICT, WITHOUT ROWID`.
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.text === '(')
  const options = open < 0 || virtual ? [] : tokens.slice(closingParen(tokens, open) + 1)
  const table: TableShape = {
    name,
    virtual,
    strict: options.some((t) => isWord(t, 'STRICT')),
    withoutRowid: options.some((t) => isWord(t, 'ROWID')),
    autoincrement: tokens.some((t) => isWord(t, 'AUTOINCREMENT')),
    columns: [],
    checks: [],
    foreignKeys: [],
    indexes: [],
    sql: virtual ? normaliseSql(tokens) : null,
  }
  if (table.virtual) return table
  const definitions = parseTableBody(tokens)
  table.checks = definitions.checks.sort()
  table.columns = columns.map(([columnName, type, notNull, dflt, pk, hidden]): ColumnShape => {
    const parsed = definitions.columns.get(String(columnName).toLowerCase())
    return {
      name: String(columnName),
      type: normaliseSql(String(type ?? '')).toUpperCase(), // type names are case-insensitive
      notNull: notNull === 1,
      default: dflt === null || dflt === undefined ? null : withoutOuterParens(String(dflt)),
      primaryKey: Number(pk),
      hidden: Number(hidden),
      collation: parsed?.collation ?? 'BINARY',
      generated: parsed?.generated ?? null,
    }
  })
  table.foreignKeys = foreignKeysOf(keys, definitions.deferred)
  table.indexes = indexesOf(indexColumns)
  return table
}

/** CHECK constraints (column and table ones alike), and each column's collation and generation expression. */
interface TableBody {
  checks: string[]
  columns: Map<string, { collation: string; generated: string | null }>
  /** Foreign keys declared `DEFERRABLE INITIALLY DEFERRED` (not in `PRAGMA foreign_key_list`), as `deferredKey` gives. */
  deferred: Set<string>
}

/** How a deferred foreign key is matched with `PRAGMA foreign_key_list`'s: its columns and parent, case-insensitively. */
const deferredKey = (columns: readonly string[], parent: string): string => `${columns.join(',')}>${parent}`.toLowerCase()

/** CHECK constraints (column and table ones alike), each column's collation and generation, deferred foreign keys. */
function parseTableBody(tokens: readonly SqlToken[]): TableBody {
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.text === '(')
  const body: TableBody = { checks: [], columns: new Map(), deferred: new Set() }
  if (open < 0) return body
  const TABLE_CONSTRAINT = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN']
  for (const item of splitTopLevel(tokens.slice(open + 1, closingParen(tokens, open)))) {
    const isColumn = !TABLE_CONSTRAINT.some((w) => isWord(item[0], w))
    const column = { collation: 'BINARY', generated: null as string | null }
    let references: string | null = null
    for (let i = isColumn ? 1 : 0; i < item.length; i++) {
      const token = item[i]!
      if (token.kind === 'punct' && token.text === '(') {
        i = closingParen(item, i) // only top-level keywords of the definition count
        continue
      }
      const next = item[i + 1]
      const parenthesised = () => normaliseSql(item.slice(i + 2, closingParen(item, i + 1)))
      if (isWord(token, 'CHECK') && next?.text === '(') body.checks.push(parenthesised())
      else if (isColumn && isWord(token, 'COLLATE') && next) column.collation = normaliseSql([next]).toUpperCase()
      else if (isColumn && isWord(token, 'AS') && next?.text === '(') {
        const end = closingParen(item, i + 1)
        column.generated = `${parenthesised()} ${isWord(item[end + 1], 'STORED') ? 'STORED' : 'VIRTUAL'}`
      } else if (isWord(token, 'REFERENCES') && next) references = unquoted(next)
      else if (isWord(token, 'DEFERRABLE') && !isWord(item[i - 1], 'NOT') && isWord(item[i + 2], 'DEFERRED') && references && item[0]) {
        const keyOpen = item.findIndex((t) => t.text === '(')
        const columns = isColumn
          ? [unquoted(item[0])]
          : splitTopLevel(item.slice(keyOpen + 1, closingParen(item, keyOpen))).map((c) => unquoted(c[0]!))
        body.deferred.add(deferredKey(columns, references))
      }
    }
    if (isColumn && item[0]) body.columns.set(unquoted(item[0]).toLowerCase(), column)
  }
  return body
}

function foreignKeysOf(rows: readonly Row[], deferred: ReadonlySet<string>): ForeignKeyShape[] {
  const byId = new Map<number, ForeignKeyShape>()
  for (const [id, parent, from, to, onUpdate, onDelete, match] of rows) {
    const key = byId.get(Number(id)) ?? {
      columns: [],
      table: String(parent),
      references: [],
      onUpdate: String(onUpdate),
      onDelete: String(onDelete),
      match: String(match),
      deferred: false,
    }
    key.columns.push(String(from))
    key.references.push(to === null || to === undefined ? '' : String(to))
    byId.set(Number(id), key)
  }
  for (const key of byId.values()) key.deferred = deferred.has(deferredKey(key.columns, key.table))
  return [...byId.values()].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
}

function indexesOf(rows: readonly Row[]): IndexShape[] {
  const byName = new Map<string, Row[]>()
  for (const row of rows) byName.set(String(row[0]), [...(byName.get(String(row[0])) ?? []), row])
  const indexes = [...byName].map(([name, keyColumns]): IndexShape => {
    const [, unique, origin, sql] = keyColumns[0]!
    const { expressions, where } = parseIndexSql(String(sql ?? ''))
    const columns = keyColumns.map(([, , , , cid, column, descending, coll], i) => {
      const what = Number(cid) === -2 ? (expressions[i] ?? '?') : Number(cid) === -1 ? 'rowid' : String(column)
      return `${what}${String(coll).toUpperCase() === 'BINARY' ? '' : ` COLLATE ${String(coll).toUpperCase()}`}${descending === 1 ? ' DESC' : ''}`
    })
    // SQLite names the indexes of UNIQUE/PRIMARY KEY constraints by position (sqlite_autoindex_t_2): name them by what they cover.
    const key = origin === 'c' ? name : `${origin === 'pk' ? 'PRIMARY KEY' : 'UNIQUE'} (${columns.join(', ')})`
    return { name: key, unique: unique === 1, origin: String(origin) as IndexShape['origin'], columns, where }
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
