import type { DatabaseHandle } from 'sqlite-opfs-migrate'

import type { DemoConfig } from './demo-config'
import { describeError, el } from './dom'

/** What every panel of the page shares: the open database (null when it could not be opened) and a way to refresh. */
export interface Inspector {
  db: DatabaseHandle | null
  config: DemoConfig
  /** Re-reads status, schema and data and renders every panel. */
  refresh(): Promise<void>
}

/**
 * Runs a button's action: the button is marked busy meanwhile (no double submits), the outcome or the typed error is
 * shown in `out`, and the page is refreshed afterwards either way. The button is not `disabled`: a disabled button
 * loses the keyboard focus, and a keyboard user would be thrown back to the top of the page after every action.
 *
 * @example
 * button.onclick = () => act(inspector, button, out, async (db) => `Snapshot ${(await db.snapshot()).id} taken`)
 */
export async function act(
  inspector: Inspector,
  button: HTMLButtonElement | null,
  out: HTMLElement,
  task: (db: DatabaseHandle) => Promise<string | Node>,
): Promise<void> {
  if (!inspector.db || button?.ariaDisabled === 'true') return
  if (button) button.ariaDisabled = 'true'
  out.replaceChildren(el('span', {}, 'Working…'))
  try {
    const result = await task(inspector.db)
    out.replaceChildren(result)
  } catch (error) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, describeError(error)))
  } finally {
    if (button) button.ariaDisabled = null
  }
  await inspector.refresh()
}
