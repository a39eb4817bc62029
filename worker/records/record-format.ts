import { UnsupportedFormatError } from '../../shared/errors'
import { FORMAT_VERSION, RECORD } from '../../shared/stored-names'

/** The records that carry a `formatVersion` (see `FORMAT_VERSION` in shared/stored-names.ts). */
export type VersionedRecord = keyof typeof FORMAT_VERSION

/** A record as stored: its fields plus the format they are in. */
export type Stamped<T> = T & { formatVersion: number }

/**
 * `value` as it is written: with the current format of `record`. Every writer of a versioned record goes through this.
 *
 * @example
 * await set(markerKey('app.db'), stamp('marker', marker), store)
 */
export function stamp<T extends object>(record: VersionedRecord, value: T): Stamped<T> {
  return { ...value, formatVersion: FORMAT_VERSION[record] }
}

/**
 * Checks that a stored `value` of `record` is in a format this release reads, and returns it without its
 * `formatVersion`; throws `UnsupportedFormatError` (`UNSUPPORTED_FORMAT`) for one a newer release wrote, so it is
 * never misread, and the caller, which has not written anything yet, writes nothing.
 *
 * A record without `formatVersion` is read as format 1: only this library's pre-release code wrote records before the
 * field existed, and they have exactly format 1's shape. That is the definition of format 1, not a guess from the
 * data's shape. Anything else that is not a whole number from 1 to the known version (a string, 0, a fraction) was not
 * written by any release of this library and is refused the same way.
 *
 * @example
 * const marker = readRecord('marker', 'app.db', await get(markerKey('app.db'), store))
 */
export function readRecord<T extends object>(record: VersionedRecord, database: string, value: T | Stamped<T>): T {
  const supported = FORMAT_VERSION[record]
  const found: unknown = typeof value === 'object' && value !== null ? (value as { formatVersion?: unknown }).formatVersion : null
  if (found === undefined) {
    if (FORMAT_1_FIELDS[record].every((field) => field in value)) return value
    throw unsupported(record, database, null)
  }
  if (!(typeof found === 'number' && Number.isInteger(found) && found >= 1 && found <= supported))
    throw unsupported(record, database, typeof found === 'number' ? found : null)
  const { formatVersion: _, ...fields } = value as Stamped<T>
  return fields as T
}

/**
 * Fields of format 1 that earlier pre-release layouts lacked (0.1's snapshot entries had no chunk hashes, file states
 * before 0.3 no `storage`, …): a record without `formatVersion` that lacks one is not format 1, and is refused.
 */
const FORMAT_1_FIELDS: Record<VersionedRecord, readonly string[]> = {
  snapshotIndex: ['chunkSha256'],
  marker: ['kind', 'snapshotId'],
  lastFailure: ['timedOut'],
  fileState: ['storage'],
  image: ['version'],
}

/** `readRecord` for a record that may be absent (`undefined` stays `undefined`). */
export function readOptionalRecord<T extends object>(record: VersionedRecord, database: string, value: T | undefined): T | undefined {
  return value === undefined ? undefined : readRecord(record, database, value)
}

/**
 * The refusal of a record of `record` whose format is `found` (`null`: not a version number at all).
 *
 * @example
 * if (!Array.isArray(index)) throw unsupported('snapshotIndex', 'app.db', null)
 */
export function unsupported(record: VersionedRecord, database: string, found: number | null): UnsupportedFormatError {
  const supported = FORMAT_VERSION[record]
  const message =
    found === null
      ? `the ${RECORD[record]} record of ${database} is stored in a format this release does not read (it reads format ` +
        `${supported}): another version of the library wrote it. Nothing was read or changed.`
      : `the ${RECORD[record]} record of ${database} is stored in format ${found}, newer than this release reads (format ` +
        `${supported}): a newer version of the app wrote it (reload to get it). Nothing was read or changed.`
  return new UnsupportedFormatError(message, database, RECORD[record], found, supported)
}
