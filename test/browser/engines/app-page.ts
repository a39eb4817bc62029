import type { OpenArgs } from '../app/main'

/** What every driver's page offers (Playwright's `Page` has it too): run a function in the page, await its result. */
export interface Evaluator {
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>>
}

/** A harness result: `{ ok: true, value }` or `{ ok: false, error }` (see app/main.ts). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: HarnessError }

/** An error as the harness describes it. */
export interface HarnessError {
  isLibraryError: boolean
  className: string
  name: string
  code: string
  message: string
  fields: Record<string, unknown>
}

type Harness = Window['harness']
type Value<K extends keyof Harness> = Harness[K] extends (...args: never[]) => Promise<{ ok: true; value: infer V } | { ok: false }>
  ? V
  : never

/**
 * The test app's harness (`window.harness`), called through any driver. Each call is one `evaluate` of a function that
 * names `window.harness` itself (drivers serialize the function's text: it cannot close over anything).
 *
 * @example
 * const app = appPage(page)
 * ok(await app.open({ name: 'a.db', set: 'v1', options: { storage: 'indexeddb' } }))
 */
export function appPage(page: Evaluator) {
  return {
    ready: () => page.evaluate(() => document.body.dataset.ready === 'true', null),
    open: (args: OpenArgs) => page.evaluate((a) => window.harness.open(a), args) as Promise<Outcome<Value<'open'>>>,
    query: (name: string, sql: string, params: unknown[] = []) =>
      page.evaluate(([n, s, p]) => window.harness.query(n, s, p), [name, sql, params] as [string, string, unknown[]]) as Promise<
        Outcome<Record<string, unknown>[]>
      >,
    exec: (name: string, sql: string, params: unknown[] = []) =>
      page.evaluate(([n, s, p]) => window.harness.exec(n, s, p), [name, sql, params] as [string, string, unknown[]]) as Promise<
        Outcome<Value<'exec'>>
      >,
    status: (name: string) => page.evaluate((n) => window.harness.status(n), name) as Promise<Outcome<Value<'status'>>>,
    migrate: (name: string) => page.evaluate((n) => window.harness.migrate(n), name) as Promise<Outcome<Value<'migrate'>>>,
    close: (name: string) => page.evaluate((n) => window.harness.close(n), name) as Promise<Outcome<void>>,
    fileSha256: (name: string) => page.evaluate((n) => window.harness.fileSha256(n), name) as Promise<Outcome<Value<'fileSha256'>>>,
    digest: (name: string) => page.evaluate((n) => window.harness.digest(n), name) as Promise<Outcome<Value<'digest'>>>,
    importFrom: (target: string, source: string) =>
      page.evaluate(([t, s]) => window.harness.importFrom(t, s), [target, source] as [string, string]) as Promise<
        Outcome<Value<'importFrom'>>
      >,
    storageTraces: (name: string) =>
      page.evaluate((n) => window.harness.storageTraces(n), name) as Promise<Outcome<Value<'storageTraces'>>>,
    /** Kills the database's worker at once (no close): what a crashed tab leaves behind. */
    terminate: (name: string) => page.evaluate((n) => window.harness.terminate(n), name),
  }
}

// The unwrappers the Playwright-only specs use, for every engine.
export { failed, ok } from '../fixtures'
