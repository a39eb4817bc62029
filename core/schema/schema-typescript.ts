import type { ColumnShape, TableShape } from '../../shared/types'
import { type Database, messageOf } from '../sqlite/sqlite'
import { schemaShape } from './schema-shape'
import { sha256HexSync } from './sha256-sync'

/**
 * What the TypeScript module of a schema is made from: the tables of `schemaShape` and each view's columns (a
 * view's shape is its SQL only). Plain data, in schema order (tables, then views, each by name; columns as declared).
 *
 * @example
 * const schema: TypedSchema = readTypedSchema(db)
 * schema.views.map((v) => v.columns.map((c) => c.name))
 */
export interface TypedSchema {
  tables: TableShape[]
  /** `broken`: why SQLite cannot compile the view (a table it reads was dropped since), else `null`. */
  views: { name: string; columns: { name: string; type: string }[]; broken: string | null }[]
}

/**
 * Reads what `schemaTypeScript` needs from a database: `schemaShape(db)` (so the history table and SQLite's own
 * tables are left out) plus the columns of every view and virtual table (their declared types, as SQLite reports them).
 *
 * @example
 * const source = schemaTypeScript(readTypedSchema(db), { source: 'migrations', version: 5 })
 */
export function readTypedSchema(db: Database): TypedSchema {
  const shape = schemaShape(db)
  // A view SQLite cannot compile (DROP TABLE leaves the views that read it) has no columns: the types say so.
  const columnsOf = (name: string): { columns: { name: string; type: string }[]; broken: string | null } => {
    try {
      const rows = db.selectArrays(`SELECT name, type, hidden FROM pragma_table_xinfo(?, 'main') ORDER BY cid`, [name])
      const columns = rows.filter(([, , hidden]) => hidden === 0).map(([n, type]) => ({ name: String(n), type: String(type ?? '') }))
      return { columns, broken: null }
    } catch (error) {
      return { columns: [], broken: messageOf(error) }
    }
  }
  const tables = shape.tables.map((table) =>
    table.virtual && table.columns.length === 0
      ? { ...table, columns: columnsOf(table.name).columns.map((c) => virtualColumn(c.name, c.type)) }
      : table,
  )
  const views = shape.views.map((view) => {
    const { columns, broken } = columnsOf(view.name)
    return { name: view.name, columns: columns.map((c) => ({ ...c, type: c.type.toUpperCase() })), broken }
  })
  return { tables, views }
}

/** A virtual table's column, as an ordinary nullable one (the module decides what it stores). */
const virtualColumn = (name: string, type: string): ColumnShape => ({
  name,
  type: type.toUpperCase(),
  notNull: false,
  default: null,
  primaryKey: 0,
  hidden: 0,
  collation: 'BINARY',
  generated: null,
})

/**
 * Where the generated module says it comes from: the migrations folder (as the user writes it, e.g. `migrations`) and
 * the version of its last migration.
 *
 * @example
 * const origin: TypesOrigin = { source: 'migrations', version: 5 }
 */
export interface TypesOrigin {
  source: string
  version: number
}

/**
 * The TypeScript module of a schema: one interface per table and view, and `DB` mapping their names to them, usable
 * as `new Kysely<DB>(…)` without importing kysely (it declares `ColumnType`, `Generated` and `GeneratedAlways`, which
 * Kysely reads structurally). Deterministic: the same schema and origin always give the same text. Its header carries
 * `sha256:<hex>` of the rest (see `typesDigestOf`), so a formatter may restyle the file without making it stale.
 *
 * Column types follow SQLite's affinity rules on the declared type (a STRICT table's types are exact): INT → `number`,
 * CHAR/CLOB/TEXT → `string`, BLOB → `Uint8Array`, REAL/FLOA/DOUB → `number`, any other name (NUMERIC affinity) →
 * `number`, no type → `unknown`, STRICT `ANY` → `SqlValue`. `| null` unless SQLite guarantees a value: NOT NULL, a rowid
 * alias, a PRIMARY KEY column of a WITHOUT ROWID or STRICT table. `Generated<T>` (optional on insert) for a rowid alias
 * or a column with a DEFAULT; `GeneratedAlways<T>` (never inserted nor updated) for a generated column and every view
 * column (views are read-only rows; their columns are nullable, as SQLite does not carry NOT NULL through a view).
 *
 * @example
 * const text = schemaTypeScript(readTypedSchema(db), { source: 'migrations', version: 5 })
 * // export interface Notes { id: Generated<number>; title: string; … }  export interface DB { notes: Notes; … }
 */
export function schemaTypeScript(schema: TypedSchema, origin: TypesOrigin): string {
  const names = interfaceNames([...schema.tables.map((t) => t.name), ...schema.views.map((v) => v.name)])
  const blocks = [
    ...schema.tables.map((table) =>
      interfaceBlock(
        names.get(table.name)!,
        `Table ${table.name}.`,
        table.columns.map((c) => tableColumn(table, c)),
      ),
    ),
    ...schema.views.map((view) =>
      interfaceBlock(
        names.get(view.name)!,
        `View ${view.name} (read-only rows).${view.broken === null ? '' : ` SQLite cannot read it: ${view.broken}`}`,
        view.columns.map((c) => ({ name: c.name, type: `GeneratedAlways<${orNull(affinityType(c.type, false), true)}>` })),
      ),
    ),
  ]
  const db = [...schema.tables, ...schema.views].map((o) => `  ${propertyKey(o.name)}: ${names.get(o.name)!}`)
  const body = `${PRELUDE}\n${blocks.join('\n')}\nexport interface DB {\n${db.join('\n')}\n}\n`
  return `${header(origin, typesDigestOf(origin, body))}\n\n${body}`
}

/**
 * The digest a generated module carries (`// sha256:<hex>`), of its version and body: what a freshness check
 * compares, so reformatting the file (or generating it from another working directory) does not make it stale.
 *
 * @example
 * const fresh = digestInTypes(existingText) === digestInTypes(schemaTypeScript(schema, origin))
 */
export function typesDigestOf(origin: TypesOrigin, body: string): string {
  return sha256HexSync(`${origin.version}\n${body}`)
}

/**
 * The `sha256:<hex>` a generated module's header carries, or `null` when the text has none (not generated by us).
 *
 * @example
 * if (digestInTypes(onDisk) !== digestInTypes(generated)) throw new Error('db-schema.ts is stale')
 */
export function digestInTypes(text: string): string | null {
  return /^\/\/ sha256:([0-9a-f]{64})$/m.exec(text)?.[1] ?? null
}

function header(origin: TypesOrigin, digest: string): string {
  return [
    `// Generated by sqlite-opfs-migrate from ${origin.source}/ at version ${origin.version}. Do not edit: regenerate with`,
    `// \`npx sqlite-opfs-migrate types ${origin.source} --out <this file>\` (or let the Vite plugin's \`types\` option keep it).`,
    `// sha256:${digest}`,
    '//',
    '// The schema after the last migration: an interface per table and view, and `DB` mapping their names to them',
    '// (`new Kysely<DB>(…)`). The library’s own history table, schema_migrations, is left out.',
    '// INTEGER columns are `number`: values beyond ±2^53 lose precision. NUMERIC-affinity columns (NUMERIC, DECIMAL,',
    '// BOOLEAN, DATE, DATETIME, …) are `number`, though SQLite keeps a value it cannot convert as text.',
  ].join('\n')
}

const PRELUDE = `/** A column's select, insert and update types; the same shape as Kysely's \`ColumnType\`, so Kysely reads it. */
export interface ColumnType<SelectType, InsertType = SelectType, UpdateType = SelectType> {
  readonly __select__: SelectType
  readonly __insert__: InsertType
  readonly __update__: UpdateType
}

/** A column SQLite fills in when an insert leaves it out (a rowid alias, a DEFAULT): Kysely's \`Generated\`. */
export type Generated<T> = ColumnType<T, T | undefined, T>

/** A column never inserted nor updated (a generated column, a view's column): Kysely's \`GeneratedAlways\`. */
export type GeneratedAlways<T> = ColumnType<T, never, never>

/** Any value a STRICT table's \`ANY\` column stores. */
export type SqlValue = number | bigint | string | Uint8Array
`

/** Interface names: PascalCase of the object's name, made unique (and apart from the prelude's names) in schema order. */
function interfaceNames(objects: readonly string[]): Map<string, string> {
  const taken = new Set(['ColumnType', 'Generated', 'GeneratedAlways', 'SqlValue', 'DB'].map((n) => n.toLowerCase()))
  const names = new Map<string, string>()
  for (const object of objects) {
    const words = object.split(/[^A-Za-z0-9]+/).filter(Boolean)
    let base = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') || 'Table'
    if (/^\d/.test(base)) base = `T${base}`
    let name = base
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}${n}`
    taken.add(name.toLowerCase())
    names.set(object, name)
  }
  return names
}

function interfaceBlock(name: string, of: string, columns: readonly { name: string; type: string }[]): string {
  const members = columns.map((c) => `  ${propertyKey(c.name)}: ${c.type}\n`).join('')
  return `/** ${of.replaceAll('*/', '*\\/')} */\nexport interface ${name} {\n${members}}\n`
}

/** A table column's TypeScript type: affinity, nullability, and whether SQLite fills it in. */
function tableColumn(table: TableShape, column: ColumnShape): { name: string; type: string } {
  const alias = isRowidAlias(table, column)
  const notNull = column.notNull || alias || (column.primaryKey > 0 && (table.withoutRowid || table.strict))
  const type = orNull(affinityType(column.type, table.strict), !notNull)
  if (column.generated !== null || column.hidden >= 2) return { name: column.name, type: `GeneratedAlways<${type}>` }
  return { name: column.name, type: alias || column.default !== null ? `Generated<${type}>` : type }
}

/** `INTEGER PRIMARY KEY` of a rowid table: the rowid itself (never null, assigned when left out). Not `… DESC`, which keeps an index. */
function isRowidAlias(table: TableShape, column: ColumnShape): boolean {
  if (table.withoutRowid || table.virtual || column.type !== 'INTEGER' || column.primaryKey !== 1) return false
  return table.columns.filter((c) => c.primaryKey > 0).length === 1 && !table.indexes.some((i) => i.origin === 'pk')
}

/** SQLite's column affinity rules (3.1 of https://sqlite.org/datatype3.html), STRICT types being exact. */
function affinityType(declared: string, strict: boolean): string {
  const type = declared.toUpperCase()
  if (strict && type === 'ANY') return 'SqlValue'
  if (type.includes('INT')) return 'number'
  if (/CHAR|CLOB|TEXT/.test(type)) return 'string'
  if (type === '') return 'unknown'
  if (type.includes('BLOB')) return 'Uint8Array'
  return 'number' // REAL, FLOA, DOUB; and NUMERIC affinity for every other name
}

const orNull = (type: string, nullable: boolean): string => (nullable && type !== 'unknown' ? `${type} | null` : type)

/** A property name as written: bare when it is an identifier, else quoted (in the quotes that need fewer escapes). */
function propertyKey(name: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) return name
  const json = JSON.stringify(name)
  if (name.split("'").length > name.split('"').length) return json
  return `'${json.slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`
}
