/**
 * The normalised schema (`schemaShape`) and its fingerprint, as `status()` and `verifyUpgrades` report them: plain data,
 * sorted, with SQL text in canonical form (see `normaliseSql`), so equal schemas are equal values.
 */

/**
 * A column as SQLite understands it, however it was added (inline or `ALTER TABLE ADD COLUMN`).
 *
 * @example
 * const notNullWithoutDefault = (c: ColumnShape) => c.notNull && c.default === null
 */
export interface ColumnShape {
  name: string
  /** Declared type in canonical form (`VARCHAR (10)`), `''` when none. */
  type: string
  notNull: boolean
  /** The default expression in canonical form without outer parentheses (`0`, `'x'`, `CURRENT_TIMESTAMP`), or `null`. */
  default: string | null
  /** 1-based position in the primary key, 0 when not part of it. */
  primaryKey: number
  /** 0 normal, 1 hidden (virtual tables), 2 generated VIRTUAL, 3 generated STORED. */
  hidden: number
  /** `BINARY` unless the column declares another collation. */
  collation: string
  /** `<expression> VIRTUAL|STORED` for a generated column, else `null`. */
  generated: string | null
}

/**
 * A foreign key, from `PRAGMA foreign_key_list`.
 *
 * @example
 * const cascades = (k: ForeignKeyShape) => k.onDelete === 'CASCADE'
 */
export interface ForeignKeyShape {
  columns: string[]
  /** The parent table. */
  table: string
  /** Parent columns (`''` where the parent's primary key is meant). */
  references: string[]
  onUpdate: string
  onDelete: string
  match: string
  /** Declared `DEFERRABLE INITIALLY DEFERRED` (checked at COMMIT, not per statement). */
  deferred: boolean
}

/**
 * An index: created (`origin: 'c'`), or SQLite's own for a UNIQUE (`'u'`) or PRIMARY KEY (`'pk'`) constraint.
 *
 * @example
 * const partial = (i: IndexShape) => i.where !== null
 */
export interface IndexShape {
  /** The index's name; for SQLite's own, what it covers (`UNIQUE (email)`), since their names are positional. */
  name: string
  unique: boolean
  origin: 'c' | 'u' | 'pk'
  /** Key columns or expressions in order, with `COLLATE` (when not BINARY) and `DESC`. */
  columns: string[]
  /** A partial index's WHERE in canonical form, else `null`. */
  where: string | null
}

/**
 * A table (or virtual table) with what defines it.
 *
 * @example
 * const columnNames = (t: TableShape) => t.columns.map((c) => c.name)
 */
export interface TableShape {
  name: string
  virtual: boolean
  strict: boolean
  withoutRowid: boolean
  autoincrement: boolean
  /** In declaration order (the order `SELECT *` returns). */
  columns: ColumnShape[]
  /** CHECK expressions (column and table constraints alike), sorted. */
  checks: string[]
  foreignKeys: ForeignKeyShape[]
  indexes: IndexShape[]
  /** A virtual table's `CREATE VIRTUAL TABLE` in canonical form, else `null`. */
  sql: string | null
}

/**
 * A database's schema, normalised: tables, views and triggers of `main` (temp objects, the history table and SQLite's
 * `sqlite_*` internals left out), sorted by name.
 *
 * @example
 * import type { SchemaShape } from 'sqlite-opfs-migrate'
 * const names = (shape: SchemaShape) => shape.tables.map((t) => t.name)
 */
export interface SchemaShape {
  tables: TableShape[]
  /** Views with their SQL in canonical form. */
  views: { name: string; sql: string }[]
  /** Triggers with their table and SQL in canonical form. */
  triggers: { name: string; table: string; sql: string }[]
}

/**
 * Whether the schema is still what the migrations left, as `status().schema` reports it: each migration records the
 * fingerprint (sha-256 of the normalised schema) it left, and `status()` computes the current one.
 *
 * @example
 * const { schema } = await db.status()
 * if (schema.state === 'changed') console.warn('the schema was changed outside the migrations')
 */
export interface SchemaCheck {
  /**
   * `matches`: the schema is what the last migration left. `changed`: it is not (someone changed it outside the
   * migrations, e.g. `exec('CREATE INDEX …')`). `unknown`: nothing to compare with (no migration applied, the last
   * row was recorded by `baseline` or by a library version before fingerprints).
   */
  state: 'matches' | 'changed' | 'unknown'
  /** Fingerprint of the schema now. */
  fingerprint: string
  /** Fingerprint the last applied migration recorded, `null` when none was. */
  recorded: string | null
  /** Version of the migration that recorded `recorded` (the last applied one), `null` when none. */
  recordedBy: number | null
}
