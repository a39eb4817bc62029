/**
 * A migration's version as its file or folder name writes it — `0007`, `0.28`, `1.2.10`, `20240105093000`, a dated
 * timestamp (`2018-01-14-171611`, `2024-03-13_170000`) — or a version folder and a file number joined by `/`
 * (`0.22/01`: file `01` of folder `0.22/`). Compared as numbers component by component (never as strings), group by
 * group, so `0.3` comes before `0.28`, `9` before `10`, and every file of `0.22/` before any of `0.23/`.
 *
 * @example
 * ['0.28', '0.3', '1.0'].sort(compareVersionKeys) // → ['0.3', '0.28', '1.0']
 * ['0.23/00', '0.22/01', '0.22/00'].sort(compareVersionKeys) // → ['0.22/00', '0.22/01', '0.23/00']
 */
export function compareVersionKeys(a: string, b: string): number {
  const left = a.split('/')
  const right = b.split('/')
  for (let g = 0; g < Math.max(left.length, right.length); g++) {
    // A key with fewer groups comes first (a folder's own version before its files; not mixed in practice).
    if (left[g] === undefined || right[g] === undefined) return left.length - right.length
    const difference = compareGroup(left[g]!, right[g]!)
    if (difference !== 0) return difference
  }
  return 0
}

function compareGroup(a: string, b: string): number {
  const left = versionParts(a)
  const right = versionParts(b)
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    // A missing component counts as 0: `1.2` and `1.2.0` are the same version.
    const difference = compareDigits(left[i] ?? '0', right[i] ?? '0')
    if (difference !== 0) return difference
  }
  return 0
}

/** A dated timestamp: `YYYY-MM-DD`, optionally followed by `-HHMMSS` or `_HHMMSS` (diesel writes the first). */
export const DATED_TIMESTAMP = '\\d{4}-\\d{2}-\\d{2}(?:[-_]\\d{6})?'
const DATED = new RegExp(`^${DATED_TIMESTAMP}$`)

/**
 * `1.2.10` → `['1', '2', '10']` (leading zeros removed; a leading `v` ignored). A dated timestamp is one number,
 * `YYYYMMDDHHMMSS` (`2018-01-14-171611` → `['20180114171611']`; a date alone is midnight), as diesel and Prisma order them.
 */
export function versionParts(key: string): string[] {
  if (DATED.test(key)) return [key.replace(/\D/g, '').padEnd(14, '0')]
  return key
    .replace(/^[vV]/, '')
    .split('.')
    .map((part) => part.replace(/^0+(?=\d)/, ''))
}

/** True when a version is one integer (no dots, no version folder): `7`, `0007`, `20240105093000`. */
export function isSingleNumber(key: string): boolean {
  return !key.includes('/') && versionParts(key).length === 1
}

/** Compares digit strings of any length as numbers (timestamps exceed 2^53 in some tools). */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}
