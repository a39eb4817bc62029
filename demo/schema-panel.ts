import type { SchemaObject } from 'sqlite-opfs-migrate'

import { el, table } from './dom'

/**
 * The schema as collapsible tables (columns, row count, indexes, triggers) followed by views. Used for the live
 * database and for the schema a dry run leaves.
 *
 * @example
 * byId('schema').replaceChildren(schemaView(await db.schema()))
 */
export function schemaView(objects: readonly SchemaObject[]): HTMLElement {
  const tables = objects.filter((o) => o.type === 'table')
  const views = objects.filter((o) => o.type === 'view')
  const belongingTo = (name: string) => objects.filter((o) => (o.type === 'index' || o.type === 'trigger') && o.tableName === name)
  return el(
    'div',
    { class: 'schema' },
    ...tables.map((t) =>
      el(
        'details',
        { dataset: { table: t.name } },
        el('summary', {}, el('strong', {}, t.name), ` — ${t.rowCount} row${t.rowCount === 1 ? '' : 's'}, ${t.columns.length} columns`),
        table(
          ['Column', 'Type', 'Not null', 'Default', 'PK'],
          t.columns.map((c) => [
            c.name,
            c.type || '–',
            c.notNull ? 'yes' : '',
            c.defaultValue ?? '',
            c.primaryKey ? String(c.primaryKey) : '',
          ]),
          `Columns of ${t.name}`,
        ),
        ...belongingTo(t.name).map((o) => el('p', {}, `${o.type} `, el('code', {}, o.name))),
        el('pre', {}, t.sql ?? ''),
      ),
    ),
    ...views.map((v) => el('details', { dataset: { view: v.name } }, el('summary', {}, `view ${v.name}`), el('pre', {}, v.sql ?? ''))),
  )
}
