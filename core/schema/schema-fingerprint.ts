import type { SchemaCheck, SchemaShape } from '../../shared/types'
import type { StoredHistory } from '../runner/history'
import { type Database, messageOf } from '../sqlite/sqlite'
import { schemaShape } from './schema-shape'
import { sha256HexSync } from './sha256-sync'

/**
 * sha-256 (hex) of a normalised schema's canonical serialisation (JSON of the sorted shape): equal schemas, however
 * they were reached, have equal fingerprints.
 *
 * @example
 * fingerprintOf(schemaShape(db)) === fingerprintOf(schemaShape(otherDb))
 */
export function fingerprintOf(shape: SchemaShape): string {
  let fingerprint = FINGERPRINTS.get(shape)
  if (fingerprint === undefined) FINGERPRINTS.set(shape, (fingerprint = sha256HexSync(JSON.stringify(shape))))
  return fingerprint
}

/** `schemaShape` returns cached (shared) shapes: their fingerprints are cached with them. */
const FINGERPRINTS = new WeakMap<SchemaShape, string>()

/**
 * The fingerprint of a database's schema now (see `schemaShape`). Reads pragmas only: about a millisecond for a
 * schema of a few dozen tables.
 *
 * @example
 * const fingerprint = schemaFingerprint(db)
 */
export function schemaFingerprint(db: Database): string {
  return fingerprintOf(schemaShape(db))
}

/**
 * The fingerprint a migration records in its transaction, or `null` (status then says `unknown`) if SQLite cannot
 * describe the schema: bookkeeping must never be what fails a user's upgrade. Only pragmas run, so this is not
 * expected to happen; it is logged when it does.
 *
 * @example
 * const row = { ...row, schemaFingerprint: fingerprintIfReadable(db) }
 */
export function fingerprintIfReadable(db: Database): string | null {
  try {
    return schemaFingerprint(db)
  } catch (error) {
    console.warn(`sqlite-opfs-migrate: the schema fingerprint could not be computed (${messageOf(error)}); status() will say 'unknown'`)
    return null
  }
}

/**
 * Compares the schema now with what the last applied migration recorded (see `SchemaCheck`).
 *
 * @example
 * const { state } = checkSchema(db, readHistory(db)) // 'matches' | 'changed' | 'unknown'
 */
export function checkSchema(db: Database, history: Pick<StoredHistory, 'applied'>): SchemaCheck {
  return compareWithHistory(schemaFingerprint(db), history)
}

/**
 * `checkSchema` for a fingerprint already computed (e.g. of a file read as untrusted).
 *
 * @example
 * compareWithHistory(fingerprintOf(shape), history).state
 */
export function compareWithHistory(fingerprint: string, history: Pick<StoredHistory, 'applied'>): SchemaCheck {
  const last = history.applied.at(-1)
  const recorded = last?.schemaFingerprint ?? null
  const state = recorded === null ? 'unknown' : recorded === fingerprint ? 'matches' : 'changed'
  return { state, fingerprint, recorded, recordedBy: last?.version ?? null }
}
