/**
 * SQL text as SQLite's tokenizer sees it, for comparing schema SQL written in different ways: comments and whitespace
 * dropped, keywords and function names upper-cased, `"t"`/`[t]`/`` `t` `` written bare when they can be, names and
 * string literals otherwise kept exactly (a view's `SELECT a AS Title` names its column `Title`, not `title`).
 */

/** SQLite's keywords (sqlite.org/lang_keywords.html), plus words with a fixed meaning in a CREATE statement. */
const KEYWORDS = new Set(
  `ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY CASCADE CASE
  CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP
  DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE
  EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE
  IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH
  MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA
  PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING
  RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION
  UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT STRICT ROWID STORED TRUE FALSE`.split(/\s+/),
)

/** One token; `text` is as written (quotes included). */
export interface SqlToken {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'punct'
  text: string
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/
const NUMBER_PART = /[0-9A-Za-z_.]/
/** Operators of more than one character, longest first. */
const OPERATORS = ['->>', '->', '<>', '<=', '>=', '==', '!=', '||', '<<', '>>']

/**
 * Splits SQL into tokens, skipping comments and whitespace. Never throws: an unterminated quote runs to the end.
 *
 * @example
 * tokenize(`SELECT "a" -- note\nFROM t`).map((t) => t.text) // ['SELECT', '"a"', 'FROM', 't']
 */
export function tokenize(sql: string): SqlToken[] {
  const tokens: SqlToken[] = []
  let i = 0
  const quotedEnd = (close: string, from = i): number => {
    let j = from + 1
    for (;;) {
      const at = sql.indexOf(close, j)
      if (at < 0) return sql.length
      if (close !== ']' && sql[at + 1] === close) j = at + 2
      else return at + 1
    }
  }
  while (i < sql.length) {
    const c = sql[i]!
    let end: number
    let kind: SqlToken['kind']
    if (/\s/.test(c)) {
      i++
      continue
    } else if (c === '-' && sql[i + 1] === '-') {
      i = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i)
      continue
    } else if (c === '/' && sql[i + 1] === '*') {
      i = sql.indexOf('*/', i + 2) < 0 ? sql.length : sql.indexOf('*/', i + 2) + 2
      continue
    } else if (c === "'") [kind, end] = ['string', quotedEnd("'")]
    else if ((c === 'x' || c === 'X') && sql[i + 1] === "'") [kind, end] = ['string', quotedEnd("'", i + 1)]
    else if (c === '"' || c === '`') [kind, end] = ['quoted', quotedEnd(c)]
    else if (c === '[') [kind, end] = ['quoted', quotedEnd(']')]
    else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      kind = 'number'
      end = i + 1
      while (end < sql.length && NUMBER_PART.test(sql[end]!)) end++
    } else if (WORD_START.test(c)) {
      kind = 'word'
      end = i + 1
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++
    } else [kind, end] = ['punct', i + (OPERATORS.find((op) => sql.startsWith(op, i))?.length ?? 1)]
    tokens.push({ kind, text: sql.slice(i, end) })
    i = end
  }
  return tokens
}

/**
 * The canonical text of a token: keywords (and, with `call`, function names) upper-cased, a quoted name that could be
 * written bare written bare, other quoted names in double quotes, names, strings and numbers as written.
 *
 * @example
 * canonicalToken({ kind: 'quoted', text: '[Notes]' }) // 'Notes'
 * canonicalToken({ kind: 'word', text: 'select' }) // 'SELECT'
 */
export function canonicalToken(token: SqlToken, call = false): string {
  if (token.kind === 'word') return call || KEYWORDS.has(token.text.toUpperCase()) ? token.text.toUpperCase() : token.text
  if (token.kind === 'string') return /^[xX]'/.test(token.text) ? `X${token.text.slice(1).toUpperCase()}` : token.text
  if (token.kind !== 'quoted') return token.text
  const inner = token.text.startsWith('[')
    ? token.text.slice(1, -1)
    : token.text.slice(1, -1).replaceAll(token.text[0]! + token.text[0]!, token.text[0]!)
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(inner) && !KEYWORDS.has(inner.toUpperCase()) ? inner : `"${inner.replaceAll('"', '""')}"`
}

/**
 * SQL in canonical form: tokens joined by single spaces (see `canonicalToken`; a word right before `(` is a function
 * or a table being defined, both case-insensitive, so upper-cased). Two texts that differ only in whitespace,
 * comments, keyword case or needless quoting give the same string.
 *
 * @example
 * normaliseSql('create view "v" as select  lower(a) from t -- x') === normaliseSql('CREATE VIEW v AS SELECT LOWER(a) FROM t') // true
 */
export function normaliseSql(sql: string | readonly SqlToken[]): string {
  const tokens = typeof sql === 'string' ? tokenize(sql) : sql
  let text = ''
  tokens.forEach((token, i) => {
    const previous = tokens[i - 1]
    // One spacing whatever was written: `f(a, b.c)`, `(x)`, `a = 1`.
    const tight =
      !previous ||
      previous.text === '(' ||
      previous.text === '.' ||
      [')', ',', '.', ';'].includes(token.text) ||
      (token.text === '(' && (previous.kind === 'quoted' || (previous.kind === 'word' && !KEYWORDS.has(previous.text.toUpperCase()))))
    text += (tight ? '' : ' ') + canonicalToken(token, tokens[i + 1]?.text === '(')
  })
  return text
}

/**
 * The index of the `)` matching the `(` at `open`, or `tokens.length` when it is missing.
 *
 * @example
 * closingParen(tokenize('(a, (b)) c'), 0) // 6
 */
export function closingParen(tokens: readonly SqlToken[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]!.kind === 'punct' ? tokens[i]!.text : ''
    if (text === '(') depth++
    else if (text === ')' && --depth === 0) return i
  }
  return tokens.length
}

/**
 * Splits tokens at the commas that are not inside parentheses.
 *
 * @example
 * splitTopLevel(tokenize('a, f(b, c), d')).length // 3
 */
export function splitTopLevel(tokens: readonly SqlToken[]): SqlToken[][] {
  const parts: SqlToken[][] = [[]]
  let depth = 0
  for (const token of tokens) {
    if (token.kind === 'punct' && token.text === '(') depth++
    if (token.kind === 'punct' && token.text === ')') depth--
    if (depth === 0 && token.kind === 'punct' && token.text === ',') parts.push([])
    else parts.at(-1)!.push(token)
  }
  return parts.filter((p) => p.length > 0)
}

/** Whether the token is the (case-insensitive) keyword `word`. */
export const isWord = (token: SqlToken | undefined, word: string): boolean => token?.kind === 'word' && token.text.toUpperCase() === word
