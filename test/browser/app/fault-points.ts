import type { ProgressEvent } from 'sqlite-opfs-migrate'

/**
 * Where the fault suite stops a worker in the middle of an upgrade (see faults.spec.ts). Each point is an exact moment
 * of the upgrade, recognised from the progress event the library emits there (or, for `mid-statement`, from inside a
 * SQL function that migration 4 calls on every row).
 */
export const FAULT_POINTS = {
  /** Storage was checked; nothing is written yet. */
  'quota-check': (e: ProgressEvent) => e.type === 'quota-check',
  /** The snapshot is about to be read and written. */
  'snapshot-start': (e: ProgressEvent) => e.type === 'snapshot' && e.bytesWritten === 0 && !e.done,
  /** Part of the snapshot is durable, not all of it (the file is larger than one chunk). */
  'snapshot-partial': (e: ProgressEvent) => e.type === 'snapshot' && e.bytesWritten > 0 && e.bytesWritten < e.totalBytes,
  /** The snapshot and the marker are durable; the first migration has run but is not committed (overlapped upgrade). */
  'snapshot-listed': (e: ProgressEvent) => e.type === 'snapshot' && e.done,
  /** A migration committed and the next one has not started. */
  'between-migrations': (e: ProgressEvent) => e.type === 'migration-end' && e.index < e.total - 1,
  /** Inside migration 4's UPDATE, halfway through its rows. */
  'mid-statement': () => false,
  /** Every migration committed; the integrity check is running. */
  verify: (e: ProgressEvent) => e.type === 'verify' && !e.done,
  /** The check passed; the marker is not cleared yet. */
  'before-marker-cleared': (e: ProgressEvent) => e.type === 'verify' && e.done === true,
  /** A restore wrote its marker and is about to write the file. */
  restore: (e: ProgressEvent) => e.type === 'restore' && !e.done,
} as const

export type FaultPoint = keyof typeof FAULT_POINTS

/** The worker announces on this channel that it reached its fault point; the page (or the test) then kills it. */
export const FAULT_CHANNEL = 'sqlite-opfs-migrate-test-faults'
/** The row of migration 4's UPDATE at which `mid-statement` stops. */
export const FAULT_ROW = 550

/**
 * The worker side: an `onProgress` hook and a `fault_point(id)` SQL function. At its point the worker announces it and
 * then keeps its thread busy, so that it is killed exactly there (a terminated worker stops mid-instruction, as when a
 * tab crashes). Stalls `pauseMs` (default 20 s), then carries on: a test may also change the world meanwhile (clear the
 * site's storage, say) and let the worker meet it.
 */
export function faultInjector(point: FaultPoint | null, pauseMs = 20_000) {
  let reached = false
  const stop = (): void => {
    if (reached) return
    reached = true
    new BroadcastChannel(FAULT_CHANNEL).postMessage({ point })
    const until = Date.now() + pauseMs
    while (Date.now() < until) {
      /* wait to be killed */
    }
  }
  return {
    onProgress(event: ProgressEvent): void {
      if (point && FAULT_POINTS[point](event)) stop()
    },
    faultPoint(id: unknown): string {
      if (point === 'mid-statement' && id === FAULT_ROW) stop()
      return ''
    },
  }
}
