import type { OpenResult, SqlParams } from './types'

// The data types of the worker protocol, and the rule for database names. The methods themselves, with their signatures
// and rules, are listed once in `METHODS` (worker-protocol.ts).

/** What the worker answers to `open`. */
export interface OpenReply {
  opened: OpenResult
}

/** A statement of a `batch`. */
export interface BatchStatement {
  sql: string
  params?: SqlParams
}

/** Database names become OPFS directory and file names, so they stay plain. */
export const DATABASE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
