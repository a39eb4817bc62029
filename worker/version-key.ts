/**
 * The version part of a migration file name, e.g. `0007`, `0.28`, `1.2.10` or `20240105093000`, compared as numbers
 * component by component (never as strings), so `0.3` comes before `0.28` and `9` before `10`.
 *
 * @example
 * ['0.28', '0.3', '1.0'].sort(compareVersionKeys) // → ['0.3', '0.28', '1.0']
 */
export function compareVersionKeys(a: string, b: string): number {
  const left = versionParts(a)
  const right = versionParts(b)
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    // A missing component counts as 0: `1.2` and `1.2.0` are the same version.
    const difference = compareDigits(left[i] ?? '0', right[i] ?? '0')
    if (difference !== 0) return difference
  }
  return 0
}

/** `1.2.10` → `['1', '2', '10']` (leading zeros removed; a leading `v` ignored). */
export function versionParts(key: string): string[] {
  return key
    .replace(/^[vV]/, '')
    .split('.')
    .map((part) => part.replace(/^0+(?=\d)/, ''))
}

/** Compares digit strings of any length as numbers (timestamps exceed 2^53 in some tools). */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}
