// Small DOM helpers for the inspector: the page is plain TypeScript, no framework.

type Child = Node | string | null | undefined | false
type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'dataset' | 'style'>> & {
  dataset?: Record<string, string>
  class?: string
}

/**
 * Creates an element with properties and children (strings become text, never HTML).
 *
 * @example
 * el('button', { type: 'button', onclick: () => go() }, 'Go')
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  const { dataset, class: className, ...rest } = props
  Object.assign(node, rest)
  if (className) node.className = className
  if (dataset) Object.assign(node.dataset, dataset)
  node.append(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false))
  return node
}

/** The element with this id (the page's markup guarantees it exists). */
export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T

/** A table with a header row; cells are text or nodes. */
export function table(headers: string[], rows: Child[][], caption?: string): HTMLTableElement {
  return el(
    'table',
    {},
    caption ? el('caption', { class: 'visually-hidden' }, caption) : null,
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))),
  )
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
}

/** An ISO time as the reader's local date and time. */
export const formatTime = (iso: string): string => new Date(iso).toLocaleString()

/** Saves a Blob under a file name through a temporary link. */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  el('a', { href: url, download: filename }).click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** "Name [CODE]: message" for a typed error, the message otherwise. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string }
  if (e && typeof e === 'object' && e.code) return `${e.name} [${e.code}]: ${e.message}`
  return error instanceof Error ? error.message : String(error)
}
