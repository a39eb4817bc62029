import { expose, transferHandlers, wrap } from 'comlink'
import { afterEach, describe, expect, it } from 'vitest'

import { type CallResult, envelope, unwrapResult } from '../../shared/call-result'
import * as errors from '../../shared/errors'
import {
  DatabaseTooNewError,
  MigrationFailedError,
  SnapshotError,
  SqliteOpfsMigrateError,
  StorageMismatchError,
  WriteNotSavedError,
} from '../../shared/errors'

// Comlink over a real MessageChannel (Node's is the web one): what crosses is what a page receives from the worker.
const channels: MessageChannel[] = []
afterEach(() => channels.splice(0).forEach((c) => (c.port1.close(), c.port2.close())))

/** `api` exposed as the worker exposes it (`envelope`), called as the page calls it (`unwrapResult`). */
function connect<T extends object>(api: T): { [K in keyof T]: () => Promise<unknown> } {
  const channel = new MessageChannel()
  channels.push(channel)
  expose(envelope(api), channel.port1 as never)
  const remote = wrap<Record<string, () => Promise<CallResult<unknown>>>>(channel.port2 as never)
  return new Proxy({} as { [K in keyof T]: () => Promise<unknown> }, {
    get: (_, key: string) => async () => unwrapResult(await remote[key]!()),
  })
}

/** A plain Comlink endpoint of the app's own, next to the library's. */
function connectPlain<T>(api: T) {
  const channel = new MessageChannel()
  channels.push(channel)
  expose(api, channel.port1 as never)
  return wrap<T>(channel.port2 as never)
}

describe('error transfer', () => {
  it('an error whose cause holds a function (a failed code migration) still crosses with its class and details', async () => {
    const stepError = Object.assign(new Error('backfill threw'), { migration: { version: 5, name: 'b', up() {} }, hook: () => 1 })
    const remote = connect<{ fail: () => void }>({
      fail() {
        throw new MigrationFailedError(
          'migration 5 failed',
          {
            phase: 'migration',
            version: 5,
            migrationName: 'b',
            statement: null,
            sqliteCode: null,
            sqliteMessage: 'backfill threw',
            timedOut: false,
            restoredToVersion: 3,
            snapshotId: 's',
          },
          { cause: stepError },
        )
      },
    })
    const failed = (await remote.fail().catch((e: unknown) => e)) as MigrationFailedError
    expect(failed).toBeInstanceOf(MigrationFailedError)
    expect(failed.restoredToVersion).toBe(3)
    expect((failed.cause as Error).message).toBe('backfill threw')
    expect(typeof (failed.cause as { hook: unknown }).hook).toBe('string')
  })

  it('keeps the storage errors and their fields (WRITE_NOT_SAVED, STORAGE_MISMATCH)', async () => {
    const remote = connect<Record<'notSaved' | 'mismatch', () => void>>({
      notSaved() {
        throw new WriteNotSavedError('could not save', true, { cause: new DOMException('full', 'QuotaExceededError') })
      },
      mismatch() {
        throw new StorageMismatchError('lives in IndexedDB', 'opfs', 'indexeddb')
      },
    })
    const notSaved = (await remote.notSaved().catch((e: unknown) => e)) as WriteNotSavedError
    expect(notSaved).toBeInstanceOf(WriteNotSavedError)
    expect(notSaved).toMatchObject({ code: 'WRITE_NOT_SAVED', quota: true, name: 'WriteNotSavedError' })
    const mismatch = (await remote.mismatch().catch((e: unknown) => e)) as StorageMismatchError
    expect(mismatch).toBeInstanceOf(StorageMismatchError)
    expect(mismatch).toMatchObject({ code: 'STORAGE_MISMATCH', requested: 'opfs', found: 'indexeddb' })
  })

  it('keeps class, code and fields of library errors across the boundary', async () => {
    const remote = connect<Record<'tooNew' | 'failed' | 'snapshot', () => void>>({
      tooNew() {
        throw new DatabaseTooNewError('too new', 7, 5)
      },
      failed() {
        throw new MigrationFailedError(
          'boom',
          {
            phase: 'migration',
            version: 6,
            migrationName: 'x',
            statement: 'INSERT INTO t VALUES (1);',
            sqliteCode: 19,
            sqliteMessage: 'constraint failed',
            timedOut: false,
            restoredToVersion: 5,
            snapshotId: 's1',
          },
          { cause: new Error('inner') },
        )
      },
      snapshot() {
        throw new SnapshotError('SNAPSHOT_CORRUPT', 'bad hash', 's2')
      },
    })
    const tooNew = await remote.tooNew().catch((e: unknown) => e)
    expect(tooNew).toBeInstanceOf(DatabaseTooNewError)
    expect(tooNew).toBeInstanceOf(SqliteOpfsMigrateError)
    expect(tooNew).toMatchObject({ name: 'DatabaseTooNewError', code: 'DATABASE_TOO_NEW', databaseVersion: 7, latestVersion: 5 })

    const failed = (await remote.failed().catch((e: unknown) => e)) as MigrationFailedError
    expect(failed).toBeInstanceOf(MigrationFailedError)
    expect(failed.version).toBe(6)
    expect(failed.statement).toBe('INSERT INTO t VALUES (1);')
    expect(failed.sqliteCode).toBe(19)
    expect(failed.restoredToVersion).toBe(5)
    expect((failed.cause as Error).message).toBe('inner')

    const snapshot = await remote.snapshot().catch((e: unknown) => e)
    expect(snapshot).toBeInstanceOf(SnapshotError)
    expect(snapshot).toMatchObject({ code: 'SNAPSHOT_CORRUPT', snapshotId: 's2' })
  })

  it('passes other errors and thrown non-errors through', async () => {
    const remote = connect<Record<'plain' | 'value', () => void>>({
      plain() {
        throw new TypeError('nope')
      },
      value() {
        throw { reason: 42 }
      },
    })
    const plain = (await remote.plain().catch((e: unknown) => e)) as Error
    expect(plain).toBeInstanceOf(Error)
    expect(plain).toMatchObject({ name: 'TypeError', message: 'nope' })
    expect(plain).not.toBeInstanceOf(SqliteOpfsMigrateError)
    expect(await remote.value().catch((e: unknown) => e)).toEqual({ reason: 42 })
  })

  it("changes nothing global: Comlink's throw handler, the app's own errors, the error classes' prototypes", async () => {
    const handler = transferHandlers.get('throw')
    class AppError extends Error {
      override name = 'AppError'
      code = 'APP_FAILED'
    }
    const app = connectPlain({
      fail(): void {
        throw new AppError('app worker failed')
      },
    })
    const before = (await app.fail().catch((e: unknown) => e)) as Error
    // The library's own calls, both ways: a typed error crosses with its fields.
    const ours = connect({
      fail(): void {
        throw new errors.DatabaseTooNewError('too new', 7, 5)
      },
    })
    expect(await ours.fail().catch((e: unknown) => e)).toMatchObject({ code: 'DATABASE_TOO_NEW', databaseVersion: 7 })
    const after = (await app.fail().catch((e: unknown) => e)) as Error
    expect(transferHandlers.get('throw')).toBe(handler)
    // Comlink's plain shape: an Error with name, message and stack, nothing else.
    for (const error of [before, after]) {
      expect(error.constructor).toBe(Error)
      expect(error).toMatchObject({ name: 'AppError', message: 'app worker failed' })
      expect(Object.getOwnPropertyNames(error).sort()).toEqual(['message', 'name', 'stack'])
      expect((error as { code?: unknown }).code).toBeUndefined()
    }
    for (const cls of Object.values(errors.errorClasses)) {
      expect(Object.hasOwn(cls.prototype, 'name')).toBe(false)
      expect(new (cls as unknown as new (...args: unknown[]) => Error)('m', 'x', null, null).name).toBe(cls.name)
    }
  })
})
