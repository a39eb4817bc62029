/**
 * SQL text as SQLite's tokenizer sees it, for comparing schema SQL written in different ways: comments and whitespace
 * dropped, keywords and bare names upper-cased (SQLite's names are case-insensitive), `"t"`/`[t]`/`` `t` `` written
 * bare when they can be, string literals kept exactly.
 */

/** One token; `text` is as written (quotes included). */
export interface SqlToken {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'punct'
  text: string
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/
const NUMBER_PART = /[0-9A-Za-z_.]/

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
    } else [kind, end] = ['punct', i + 1]
    tokens.push({ kind, text: sql.slice(i, end) })
    i = end
  }
  return tokens
}

/**
 * The canonical text of a token: bare words upper-cased, a quoted name that could be written bare written bare and
 * upper-cased, other quoted names in double quotes, string, blob and number literals as written.
 *
 * @example
 * canonicalToken({ kind: 'quoted', text: '[Notes]' }) // 'NOTES'
 */
export function canonicalToken(token: SqlToken): string {
  if (token.kind === 'word') return token.text.toUpperCase()
  if (token.kind === 'string') return /^[xX]'/.test(token.text) ? `X${token.text.slice(1).toUpperCase()}` : token.text
  if (token.kind !== 'quoted') return token.text
  const inner = token.text.startsWith('[') ? token.text.slice(1, -1) : token.text.slice(1, -1).replaceAll(token.text[0]! + token.text[0]!, token.text[0]!)
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(inner) ? inner.toUpperCase() : `"${inner.replaceAll('"', '""')}"`
}

/**
 * SQL in canonical form: tokens joined by single spaces (see `canonicalToken`). Two texts that differ only in
 * whitespace, comments, keyword case or needless quoting give the same string.
 *
 * @example
 * normaliseSql('create view "v" as select  a from t -- x') === normaliseSql('CREATE VIEW v AS SELECT a FROM t') // true
 */
export function normaliseSql(sql: string | readonly SqlToken[]): string {
  return (typeof sql === 'string' ? tokenize(sql) : sql).map(canonicalToken).join(' ')
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
