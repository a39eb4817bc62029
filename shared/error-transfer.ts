import { errorClasses, SqliteOpfsMigrateError } from './errors'

/** What a thrown value becomes on the wire (a worker call's result, a BroadcastChannel message). */
interface SerializedThrow {
  isError: boolean
  /** For errors: class name (for ours) plus every own field, `cause` serialised the same way. */
  value: unknown
}

/** An error as plain, cloneable data (class name, message, stack, fields, cause). */
export interface ErrorData {
  ours: boolean
  name: string
  message: string
  stack: string | undefined
  fields: Record<string, unknown>
  cause?: ErrorData | { plain: unknown }
}

// Comlink only carries {name, message, stack} of a thrown Error, and structured clone drops an error's class and own
// fields: codes, classes and causes would be lost. Errors therefore cross as this data (see `call-result.ts`).

function toData(error: Error, depth = 0): ErrorData {
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(error)) {
    if (key === 'cause' || key === 'name' || key === 'message' || key === 'stack') continue
    // A field that cannot be cloned (a function, say) must not turn the whole error into Comlink's
    // "Unserializable return value": it crosses as its string form instead.
    fields[key] = safeClone((error as unknown as Record<string, unknown>)[key])
  }
  const data: ErrorData = {
    ours: error instanceof SqliteOpfsMigrateError,
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields,
  }
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof Error && depth < 4) data.cause = toData(cause, depth + 1)
  else if (cause !== undefined) data.cause = { plain: safeClone(cause) }
  return data
}

function fromData(data: ErrorData): Error {
  const cls = data.ours ? errorClasses[data.name as keyof typeof errorClasses] : undefined
  const error: Error = cls ? Object.create(cls.prototype) : new Error(data.message)
  Object.defineProperty(error, 'message', { value: data.message, writable: true, configurable: true })
  Object.defineProperty(error, 'name', { value: data.name, writable: true, configurable: true })
  Object.defineProperty(error, 'stack', { value: data.stack, writable: true, configurable: true })
  Object.assign(error, data.fields)
  if (data.cause) {
    const cause = 'plain' in data.cause ? data.cause.plain : fromData(data.cause)
    Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true })
  }
  return error
}

/** An error (or any thrown value) as cloneable data, e.g. to post over a BroadcastChannel. */
export type SerializedError = SerializedThrow

/**
 * Turns a thrown value into cloneable data that `deserializeError` turns back into the same class with its fields.
 *
 * @example
 * channel.postMessage({ error: serializeError(error) }) // elsewhere: throw deserializeError(message.error)
 */
export function serializeError(value: unknown): SerializedError {
  return value instanceof Error ? { isError: true, value: toData(value) } : { isError: false, value: safeClone(value) }
}

/** The error `serializeError` described, rebuilt with its class (for ours), `code` and fields. */
export function deserializeError(serialized: SerializedError): unknown {
  return serialized.isError ? fromData(serialized.value as ErrorData) : serialized.value
}

function safeClone(value: unknown): unknown {
  try {
    return structuredClone(value)
  } catch {
    return String(value)
  }
}
