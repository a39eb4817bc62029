/** What Comlink hands over for an error: the shape an app's code relies on. */
export function shapeOf(error: unknown) {
  const e = error as Error & Record<string, unknown>
  return {
    isPlainError: e?.constructor === Error,
    ownProperties: Object.getOwnPropertyNames(e).sort(),
    name: e.name,
    message: e.message,
    hasStack: typeof e.stack === 'string' && e.stack.length > 0,
    code: e.code ?? null,
  }
}
