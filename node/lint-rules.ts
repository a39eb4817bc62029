/**
 * The lint rules of `checkMigrationFiles`: destructive statements and statements that cannot run inside a
 * transaction. Statements are recognised on their text (comments and string literals removed); what a table rebuild
 * loses is found by comparing the schema before and after the migration, as SQLite itself reports it.
 */

/** Every rule a diagnostic can name. `allow` comments may name the warning rules. */
export const WARNING_RULES = [
  'drop-table',
  'drop-column',
  'rebuild-drops-columns',
  'rebuild-drops-rows',
  'delete-without-where',
  'update-without-where',
  'no-transaction',
  'empty-migration',
] as const
export type WarningRule = (typeof WARNING_RULES)[number]

/** Put `-- sqlite-opfs-migrate: allow drop-table, delete-without-where` in a reviewed file to accept those warnings. */
export const ALLOW_DIRECTIVE = /^\s*(?:--|\/\/)\s*sqlite-opfs-migrate:\s*allow\b([^\n]*)/gm

/** A warning found in one statement (or, for rebuilds, at the statement that dropped the old table). */
export interface LintFinding {
  rule: WarningRule
  line: number
  message: string
}

/** Tables and their columns, from `sqlite_schema` and `pragma_table_info`. */
export type SchemaShape = Map<string, string[]>

const IDENTIFIER = String.raw`("(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|\[[^\]]+\]|[A-Za-z_][\w$]*)`
const QUALIFIED = String.raw`(?:${IDENTIFIER}\s*\.\s*)?${IDENTIFIER}`

/** The rule names an `allow` comment lists, and any it names that do not exist. */
export function allowedRules(text: string): { allowed: Set<WarningRule>; unknown: string[] } {
  const allowed = new Set<WarningRule>()
  const unknown: string[] = []
  for (const [, list] of text.matchAll(ALLOW_DIRECTIVE)) {
    for (const name of list!.split(/[\s,]+/).filter(Boolean)) {
      if ((WARNING_RULES as readonly string[]).includes(name)) allowed.add(name as WarningRule)
      else unknown.push(name)
    }
  }
  return { allowed, unknown }
}

/**
 * Follows one migration's statements: call `statement` for each (in order), then `finish` with the schema before and
 * after to get the findings.
 *
 * @example
 * const lint = new MigrationLint()
 * lint.statement('DELETE FROM notes;', 3)
 * lint.finish(before, after) // → [{ rule: 'delete-without-where', line: 3, … }]
 */
export class MigrationLint {
  readonly #findings: LintFinding[] = []
  readonly #drops: { table: string; origin: string; line: number }[] = []
  /** new name → the table it was renamed from, within this migration */
  readonly #renamedFrom = new Map<string, string>()
  /** tables some INSERT … SELECT / CREATE TABLE … AS SELECT read from */
  readonly #copiedFrom = new Set<string>()

  /** Records what a statement does; `inTransaction` is false for `no-transaction` migrations. */
  statement(sql: string, line: number): void {
    const text = bare(sql)
    const found = (rule: WarningRule, message: string) => this.#findings.push({ rule, line, message })
    let match: RegExpExecArray | null
    if ((match = new RegExp(String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?${QUALIFIED}`, 'i').exec(text)))
      this.#drops.push({ table: unquote(match[2]!), origin: this.#origin(unquote(match[2]!)), line })
    else if ((match = new RegExp(String.raw`^ALTER\s+TABLE\s+${QUALIFIED}\s+DROP\s+(?:COLUMN\s+)?${IDENTIFIER}`, 'i').exec(text)))
      found('drop-column', `drops column ${unquote(match[3]!)} of ${unquote(match[2]!)} and the data in it`)
    else if ((match = new RegExp(String.raw`^ALTER\s+TABLE\s+${QUALIFIED}\s+RENAME\s+TO\s+${IDENTIFIER}`, 'i').exec(text)))
      this.#renamedFrom.set(key(unquote(match[3]!)), this.#origin(unquote(match[2]!)))
    else if ((match = new RegExp(String.raw`^(?:WITH\b[\s\S]*?\)\s*)?DELETE\s+FROM\s+${QUALIFIED}`, 'i').exec(text)) && !hasOwnWhere(text))
      found('delete-without-where', `DELETE without WHERE removes every row of ${unquote(match[2]!)}`)
    else if (
      (match = new RegExp(
        String.raw`^(?:WITH\b[\s\S]*?\)\s*)?UPDATE\s+(?:OR\s+\w+\s+)?${QUALIFIED}(?:\s+(?:AS\s+)?${IDENTIFIER})?\s+SET\b`,
        'i',
      ).exec(text)) &&
      !hasOwnWhere(text)
    )
      found('update-without-where', `UPDATE without WHERE changes every row of ${unquote(match[2]!)}`)
    if (/^(INSERT|REPLACE|CREATE\s+(TEMP\w*\s+)?TABLE)\b/i.test(text))
      for (const [, , table] of text.matchAll(new RegExp(String.raw`\b(?:FROM|JOIN)\s+${QUALIFIED}`, 'gi')))
        this.#copiedFrom.add(key(unquote(table!)))
  }

  /** Records a statement that cannot run inside a transaction, in a migration that runs outside one. */
  outsideTransaction(sql: string, line: number): void {
    this.#findings.push({
      rule: 'no-transaction',
      line,
      message: `${firstWords(sql)} runs outside a transaction: if the migration fails after it, only the snapshot can undo it`,
    })
  }

  /** The findings, with rebuilds and dropped tables judged against the schema before and after the migration. */
  finish(before: SchemaShape, after: SchemaShape): LintFinding[] {
    const has = (shape: SchemaShape, table: string) => [...shape.keys()].some((t) => key(t) === key(table))
    const columns = (shape: SchemaShape, table: string) => [...shape.entries()].find(([t]) => key(t) === key(table))?.[1] ?? []
    for (const { table, origin, line } of this.#drops) {
      if (!has(before, origin)) continue // created and dropped within the migration (a scratch table)
      if (!has(after, origin)) {
        this.#findings.push({ rule: 'drop-table', line, message: `drops table ${origin} and every row in it` })
        continue
      }
      // The table is back under its name: a rebuild. Did it keep its columns, and were its rows copied?
      const kept = new Set(columns(after, origin).map(key))
      const lost = columns(before, origin).filter((c) => !kept.has(key(c)))
      if (lost.length)
        this.#findings.push({
          rule: 'rebuild-drops-columns',
          line,
          message: `rebuild of ${origin} drops column(s) ${lost.join(', ')} and the data in them`,
        })
      if (!this.#copiedFrom.has(key(table)))
        this.#findings.push({
          rule: 'rebuild-drops-rows',
          line,
          message: `rebuild of ${origin} never copies rows from the old table (no INSERT … SELECT … FROM ${table}): every row is lost`,
        })
    }
    return this.#findings.sort((a, b) => a.line - b.line)
  }

  #origin(table: string): string {
    return this.#renamedFrom.get(key(table)) ?? table
  }
}

/** Statement text without comments, with string literals emptied (so `'where'` or `'--'` change nothing), in one pass. */
function bare(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g, (token) => (token.startsWith("'") ? "''" : ' ')).trim()
}

/** A WHERE of the statement itself, not one inside a subquery (parenthesised text is set aside first). */
function hasOwnWhere(text: string): boolean {
  let flat = text
  while (/\([^()]*\)/.test(flat)) flat = flat.replace(/\([^()]*\)/g, '')
  return /\bWHERE\b/i.test(flat)
}

function unquote(identifier: string): string {
  const q = identifier[0]
  if (q === '"') return identifier.slice(1, -1).replaceAll('""', '"')
  if (q === '`') return identifier.slice(1, -1).replaceAll('``', '`')
  if (q === '[') return identifier.slice(1, -1)
  return identifier
}

/** SQLite compares identifiers case-insensitively (ASCII). */
const key = (name: string) => name.toLowerCase()

const firstWords = (sql: string) => bare(sql).split(/\s+/).slice(0, 2).join(' ').replace(/;$/, '')
