import { deserializeError, type SerializedError, serializeError } from './error-transfer'

/**
 * What a worker call answers on the wire: its value, or the error it threw as data. Thrown errors cross the Comlink
 * boundary as a returned value, so the library needs no `throw` transfer handler: Comlink's handlers are global, and
 * replacing one would change the errors of every other Comlink endpoint of the app.
 */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError }

/** `Api` as the worker exposes it: every method resolves to a `CallResult` instead of rejecting. */
export type Enveloped<Api> = {
  [K in keyof Api]: Api[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<CallResult<R>> : never
}

/**
 * The worker side: wraps every method of `api` so that what it throws (or rejects with) is returned as a tagged value.
 *
 * @example
 * expose(envelope(api), self) // the page: unwrapResult(await remote.query(sql))
 */
export function envelope<Api extends object>(api: Api): Enveloped<Api> {
  const wrapped: Record<string, unknown> = {}
  for (const [key, method] of Object.entries(api) as [string, (...args: unknown[]) => unknown][]) {
    wrapped[key] = async (...args: unknown[]): Promise<CallResult<unknown>> => {
      try {
        return { ok: true, value: await method.apply(api, args) }
      } catch (error) {
        return { ok: false, error: serializeError(error) }
      }
    }
  }
  return wrapped as Enveloped<Api>
}

/**
 * The page side: the call's value, or its error thrown again with its class (for the library's), `code`, fields and
 * `cause`.
 *
 * @example
 * const rows = unwrapResult(await remote.query('SELECT 1'))
 */
export function unwrapResult<T>(result: CallResult<T>): T {
  if (result.ok) return result.value
  throw deserializeError(result.error)
}
