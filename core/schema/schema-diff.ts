import type { ColumnShape, ForeignKeyShape, IndexShape, SchemaShape, TableShape } from '../../shared/types'

/** One difference between two schemas, in words. */
export interface SchemaDifference {
  /** The object that differs: `table notes`, `index notes_title`, `view open_notes`, `trigger notes_touch`. */
  object: string
  /** The whole sentence, e.g. `table notes: column done has DEFAULT 0 after upgrading from version 3, DEFAULT NULL on a fresh install`. */
  message: string
}

/** How the two schemas are named in the sentence. */
export interface DiffLabels {
  /** e.g. `after upgrading from version 3` */
  actual: string
  /** e.g. `on a fresh install` */
  expected: string
}

/** One comparable property of an object: `prefix` + `value` reads as a phrase (`column done has ` + `DEFAULT 0`). */
type Facet = readonly [key: string, prefix: string, value: string]

/**
 * The first difference between two normalised schemas in plain words, or `null` when they are equal. Objects are
 * visited in a fixed order (tables by name, then views, then triggers; within a table: its kind, columns, CHECKs,
 * foreign keys, indexes), so the same two schemas always give the same sentence.
 *
 * @example
 * diffSchemas(upgraded, fresh, { actual: 'after upgrading from version 3', expected: 'on a fresh install' })?.message
 * // 'table notes: column done has DEFAULT 0 after upgrading from version 3, DEFAULT NULL on a fresh install'
 */
export function diffSchemas(actual: SchemaShape, expected: SchemaShape, labels: DiffLabels): SchemaDifference | null {
  const a = objectsOf(actual)
  const b = objectsOf(expected)
  for (const object of union([...a.keys()], [...b.keys()])) {
    const [fa, fb] = [a.get(object), b.get(object)]
    if (!fa || !fb)
      return {
        object,
        message: `${object}: ${fa ? 'exists' : 'is missing'} ${labels.actual}, ${fb ? 'exists' : 'is missing'} ${labels.expected}`,
      }
    const va = new Map(fa.map(([key, , value]) => [key, value]))
    const vb = new Map(fb.map(([key, , value]) => [key, value]))
    const prefixes = new Map([...fa, ...fb].map(([key, prefix]) => [key, prefix]))
    for (const key of union(
      fa.map((f) => f[0]),
      fb.map((f) => f[0]),
    )) {
      const [x, y] = [va.get(key), vb.get(key)]
      if (x === y) continue
      const prefix = prefixes.get(key)!
      const message =
        x === undefined
          ? `${prefix}${y} ${labels.expected}, not ${labels.actual}`
          : y === undefined
            ? `${prefix}${x} ${labels.actual}, not ${labels.expected}`
            : `${prefix}${x} ${labels.actual}, ${y} ${labels.expected}`
      return { object, message: `${object}: ${message}` }
    }
  }
  return null
}

/** Every object's facets, keyed by `table notes`, `index notes_title`, … in visiting order. */
function objectsOf(shape: SchemaShape): Map<string, Facet[]> {
  const objects = new Map<string, Facet[]>()
  for (const table of shape.tables) {
    objects.set(`table ${table.name}`, tableFacets(table))
    for (const index of table.indexes.filter((i) => i.origin === 'c'))
      objects.set(`index ${index.name}`, [['def', '', describeIndex(table.name, index)]])
  }
  for (const view of shape.views) objects.set(`view ${view.name}`, [['sql', 'defined as ', clip(view.sql)]])
  for (const trigger of shape.triggers) objects.set(`trigger ${trigger.name}`, [['sql', 'defined as ', clip(trigger.sql)]])
  return objects
}

function tableFacets(table: TableShape): Facet[] {
  const facets: Facet[] = [
    ['virtual', '', table.virtual ? `a virtual table (${clip(table.sql ?? '')})` : 'an ordinary table'],
    ['strict', '', table.strict ? 'STRICT' : 'not STRICT'],
    ['rowid', '', table.withoutRowid ? 'WITHOUT ROWID' : 'with rowid'],
    ['autoincrement', '', table.autoincrement ? 'AUTOINCREMENT' : 'no AUTOINCREMENT'],
  ]
  for (const column of table.columns) facets.push(...columnFacets(column))
  facets.push(['order', 'has ', `columns (${table.columns.map((c) => c.name).join(', ')})`])
  for (const check of table.checks) facets.push([`check ${check}`, 'has ', `CHECK (${check})`])
  for (const key of table.foreignKeys) facets.push([`fk (${key.columns.join(', ')}) ${key.table}`, 'has ', describeForeignKey(key)])
  for (const index of table.indexes.filter((i) => i.origin !== 'c'))
    facets.push([`constraint ${index.name}`, 'has ', `a ${index.name} constraint`])
  return facets
}

function columnFacets(c: ColumnShape): Facet[] {
  const has = `column ${c.name} has `
  const is = `column ${c.name} is `
  return [
    [`column ${c.name}`, 'has ', `column ${c.name}`],
    [`column ${c.name} type`, has, c.type ? `type ${c.type}` : 'no declared type'],
    [`column ${c.name} notnull`, is, c.notNull ? 'NOT NULL' : 'nullable'],
    [`column ${c.name} default`, has, `DEFAULT ${c.default ?? 'NULL'}`],
    [`column ${c.name} pk`, is, c.primaryKey ? `primary key column ${c.primaryKey}` : 'not in the primary key'],
    [`column ${c.name} collation`, has, `COLLATE ${c.collation}`],
    [`column ${c.name} generated`, is, c.generated ? `generated AS ${c.generated}` : c.hidden === 1 ? 'hidden' : 'an ordinary column'],
  ]
}

const describeForeignKey = (k: ForeignKeyShape): string =>
  `FOREIGN KEY (${k.columns.join(', ')}) REFERENCES ${k.table}${k.references.some(Boolean) ? ` (${k.references.join(', ')})` : ''}` +
  ` ON UPDATE ${k.onUpdate} ON DELETE ${k.onDelete}${k.match === 'NONE' ? '' : ` MATCH ${k.match}`}${k.deferred ? ' DEFERRABLE INITIALLY DEFERRED' : ''}`

const describeIndex = (table: string, i: IndexShape): string =>
  `${i.unique ? 'UNIQUE ' : ''}ON ${table} (${i.columns.join(', ')})${i.where ? ` WHERE ${i.where}` : ''}`

const clip = (sql: string): string => (sql.length > 200 ? `${sql.slice(0, 200)}…` : sql)

/** Keys of both lists, in the first's order, each key only in the second placed right after its predecessor there. */
function union(first: readonly string[], second: readonly string[]): string[] {
  const result = [...first]
  let previous = -1
  for (const key of second) {
    const at = result.indexOf(key)
    if (at >= 0) previous = at
    else result.splice(++previous, 0, key)
  }
  return result
}
