import { InsufficientStorageError } from '../../shared/errors'
import type { DatabaseFile } from './database-file'

/**
 * Refuses an operation before it writes anything when `navigator.storage.estimate()` leaves less than `requiredBytes`
 * free (`InsufficientStorageError`, "nothing was changed"). Reports the check as a `quota-check` event. Without an
 * estimate (some engines) it lets the operation run: a write that then fails is undone like any failure.
 *
 * @example
 * await ensureRoom(file, file.size() * 2, 'upgrade app.db safely')
 */
export async function ensureRoom(file: DatabaseFile, requiredBytes: number, action: string): Promise<void> {
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined)
  const available = estimate?.quota !== undefined ? estimate.quota - (estimate.usage ?? 0) : null
  file.emit({ type: 'quota-check', requiredBytes, availableBytes: available })
  if (available !== null && available < requiredBytes)
    throw new InsufficientStorageError(
      `not enough storage to ${action}: need ${requiredBytes} bytes, ${available} available; nothing was changed`,
      requiredBytes,
      available,
    )
}
