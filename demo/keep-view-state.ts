// A panel refresh rebuilds its elements from fresh data. Rebuilding must not take away what the person was doing:
// the <details> they opened, where they had scrolled, the control that had the keyboard focus, a half-typed value.
// Elements are matched across the rebuild by a path of keys from the panel (id, data-* attributes, or tag and
// position among siblings of the same tag), so a list that gains a row at the top keeps its keyed rows' state.

/** One step of a path: how to find an element among its parent's children. */
type Step = string

/** What the person had in a panel just before it is rebuilt. */
interface ViewState {
  details: { path: Step[]; open: boolean }[]
  scrolled: { path: Step[]; top: number; left: number }[]
  values: { path: Step[]; value: string }[]
  focus: Step[] | null
}

/**
 * Replaces `container`'s children with `children`, keeping which `<details>` are open, scroll positions, focus and edited
 * field values of the elements that have an equivalent in the new children.
 *
 * @example
 * replaceKeepingState(byId('schema'), schemaView(await db.schema()))
 */
export function replaceKeepingState(container: HTMLElement, ...children: (Node | string)[]): void {
  const state = capture(container)
  container.replaceChildren(...children)
  restore(container, state)
}

function capture(root: HTMLElement): ViewState {
  const state: ViewState = { details: [], scrolled: [], values: [], focus: null }
  for (const details of root.querySelectorAll('details')) state.details.push({ path: pathOf(details, root), open: details.open })
  for (const element of root.querySelectorAll<HTMLElement>('*'))
    if (element.scrollTop || element.scrollLeft)
      state.scrolled.push({ path: pathOf(element, root), top: element.scrollTop, left: element.scrollLeft })
  for (const field of root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea'))
    if (field.value !== field.defaultValue) state.values.push({ path: pathOf(field, root), value: field.value })
  const active = document.activeElement
  if (active instanceof HTMLElement && active !== root && root.contains(active)) state.focus = pathOf(active, root)
  return state
}

function restore(root: HTMLElement, state: ViewState): void {
  for (const { path, open } of state.details) {
    const details = find(root, path)
    if (details instanceof HTMLDetailsElement) details.open = open
  }
  for (const { path, value } of state.values) {
    const field = find(root, path)
    if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) field.value = value
  }
  for (const { path, top, left } of state.scrolled) {
    const element = find(root, path)
    if (element) element.scrollTo({ top, left })
  }
  // Only when the rebuild took the focus away: a person who moved on meanwhile keeps their new place.
  if (state.focus && (document.activeElement === document.body || document.activeElement === null)) {
    const target = find(root, state.focus)
    if (target instanceof HTMLElement) target.focus({ preventScroll: true })
  }
}

function keyOf(element: Element): Step | null {
  if (element.id) return `#${element.id}`
  const data = Object.entries((element as HTMLElement).dataset ?? {})
  if (data.length === 0) return null
  return `${element.tagName}${data
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `[${k}=${v}]`)
    .join('')}`
}

function stepOf(element: Element): Step {
  const key = keyOf(element)
  if (key) return key
  const sameTag = [...(element.parentElement?.children ?? [])].filter((e) => e.tagName === element.tagName && !keyOf(e))
  return `${element.tagName}:${sameTag.indexOf(element)}`
}

function pathOf(element: Element, root: Element): Step[] {
  const path: Step[] = []
  for (let node: Element | null = element; node && node !== root; node = node.parentElement) path.unshift(stepOf(node))
  return path
}

function find(root: Element, path: Step[]): Element | null {
  let node: Element | null = root
  for (const step of path) {
    const parent: Element = node
    node = [...parent.children].find((child) => stepOf(child) === step) ?? null
    if (!node) return null
  }
  return node
}
