/**
 * The names an SQL text uses, as SQLite's tokenizer sees them: bare words and quoted identifiers ("x", `x`, [x]),
 * lower-cased, never the inside of a string literal or a comment. A check that an object refers to a table must match
 * whole names: the text `schema_migrations` inside `schema_migrations_old` or a string is no reference.
 *
 * @example
 * identifiersOf(`CREATE VIEW v AS SELECT max(version) FROM "Schema_Migrations"`).has('schema_migrations') // true
 * identifiersOf(`CREATE TABLE schema_migrations_old (x)`).has('schema_migrations') // false
 */
export function identifiersOf(sql: string): Set<string> {
  const names = new Set<string>()
  let i = 0
  const until = (end: string, from: number): number => {
    const at = sql.indexOf(end, from)
    return at < 0 ? sql.length : at
  }
  /** A quoted token ending at `close`, where a doubled `close` stands for itself; returns its content. */
  const quoted = (close: string): string => {
    let text = ''
    i++
    while (i < sql.length) {
      const end = until(close, i)
      text += sql.slice(i, end)
      i = end + 1
      if (close === ']' || sql[i] !== close) break
      text += close
      i++
    }
    return text
  }
  while (i < sql.length) {
    const c = sql[i]!
    if (c === '-' && sql[i + 1] === '-') i = until('\n', i)
    else if (c === '/' && sql[i + 1] === '*') i = until('*/', i + 2) + 2
    else if (c === "'") quoted("'")
    else if (c === '"' || c === '`') names.add(quoted(c).toLowerCase())
    else if (c === '[') names.add(quoted(']').toLowerCase())
    else if (/[0-9]/.test(c)) i = wordEnd(sql, i)
    else if (WORD_START.test(c)) {
      const end = wordEnd(sql, i)
      names.add(sql.slice(i, end).toLowerCase())
      i = end
    } else i++
  }
  return names
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/

function wordEnd(sql: string, from: number): number {
  let i = from
  while (i < sql.length && WORD_PART.test(sql[i]!)) i++
  return i
}
