import { describe, expect, it } from 'vitest'

import { deserializeError, serializeError } from '../../shared/error-transfer'
import { UnsupportedFormatError } from '../../shared/errors'
import { FORMAT_VERSION } from '../../shared/stored-names'
import { readOptionalRecord, readRecord, stamp } from '../../worker/records/record-format'

// What a stored record's `formatVersion` means (worker/records/record-format.ts). IndexedDB itself, and that a refused
// record is left as it was, are tested in the browser (test/browser/stored-formats.spec.ts).
describe('record formats', () => {
  const marker = { kind: 'upgrade', snapshotId: 's1', fromVersion: 2, toVersion: 5, startedAt: '2026-12-01T00:00:00.000Z' }

  it('writes the current format into every record, and reads it back without the field', () => {
    for (const record of Object.keys(FORMAT_VERSION) as (keyof typeof FORMAT_VERSION)[]) {
      const stored = stamp(record, marker)
      expect(stored).toEqual({ ...marker, formatVersion: 1 })
      expect(readRecord(record, 'app.db', stored)).toEqual(marker)
    }
  })

  it('reads a record without formatVersion as format 1 (what this code wrote before the field existed)', () => {
    expect(readRecord('marker', 'app.db', marker)).toEqual(marker)
    expect(readOptionalRecord('marker', 'app.db', undefined)).toBeUndefined()
  })

  // Found in review: pre-release records lack a field format 1 has (a file state without `storage` skipped the check that
  // the database lives in the storage asked for; a 0.1 index entry without chunk hashes failed with a TypeError).
  it('refuses a record without formatVersion that lacks a field of format 1, instead of misreading it', () => {
    const cases: [keyof typeof FORMAT_VERSION, object][] = [
      ['fileState', { database: 'app.db', bytes: 4096 }],
      ['snapshotIndex', { id: 's1', database: 'app.db', bytes: 4096 }],
      ['lastFailure', { at: '2026-12-01T00:00:00.000Z', code: 'MIGRATION_FAILED' }],
      ['image', { savedAt: '2026-12-01T00:00:00.000Z', bytes: 4096 }],
      ['marker', { snapshotId: 's1', fromVersion: 2 }],
    ]
    for (const [record, value] of cases) {
      expect(() => readRecord(record, 'app.db', value)).toThrow(UnsupportedFormatError)
      expect(() => readRecord(record, 'app.db', value)).toThrow(/does not read/)
    }
  })

  it('refuses a record of a newer format with UNSUPPORTED_FORMAT, naming the record and both versions', () => {
    const error = (() => {
      try {
        readRecord('marker', 'app.db', { ...marker, formatVersion: 2 })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(UnsupportedFormatError)
    expect(error).toMatchObject({
      name: 'UnsupportedFormatError',
      code: 'UNSUPPORTED_FORMAT',
      database: 'app.db',
      record: 'marker',
      foundVersion: 2,
      supportedVersion: 1,
    })
    expect((error as Error).message).toMatch(/marker record of app\.db is stored in format 2.*reload/)
  })

  it('refuses what no release wrote (a version that is not a whole number from 1, a record that is not an object)', () => {
    const cases: [unknown, number | null][] = [
      [{ ...marker, formatVersion: '1' }, null],
      [{ ...marker, formatVersion: 0 }, 0],
      [{ ...marker, formatVersion: 1.5 }, 1.5],
      [{ ...marker, formatVersion: null }, null],
      ['a string', null],
      [null, null],
    ]
    for (const [value, found] of cases)
      expect(() => readRecord('image', 'app.db', value as object), JSON.stringify(value)).toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED_FORMAT', record: 'image', foundVersion: found }),
      )
  })

  it('crosses the worker boundary with its class and fields', () => {
    const error = new UnsupportedFormatError('newer', 'app.db', 'snapshots', 3, 1)
    const crossed = deserializeError(structuredClone(serializeError(error)))
    expect(crossed).toBeInstanceOf(UnsupportedFormatError)
    expect(crossed).toMatchObject({ code: 'UNSUPPORTED_FORMAT', record: 'snapshots', foundVersion: 3, supportedVersion: 1 })
  })
})

describe('records written by the worker', () => {
  it('the marker written with a snapshot (one transaction) carries its format', async () => {
    const { markerRecord } = await import('../../worker/records/upgrade-marker')
    const marker = { kind: 'upgrade' as const, snapshotId: 's1', fromVersion: 2, toVersion: 5, startedAt: 'now' }
    expect(markerRecord('app.db', marker)).toEqual({ key: ['marker', 'app.db'], value: { ...marker, formatVersion: 1 } })
  })
})
