import { serveDatabase } from 'sqlite-opfs-migrate/worker'

import { FAULT_CHANNEL, FAULT_POINTS, faultInjector, type FaultPoint } from './fault-points'
import { layoutSets } from './layout-sets'
import { migrationSets } from './migration-sets'

const params = new URL(self.location.href).searchParams
// `appConfig`: the app's own sqlite-wasm settings, which the library must leave as they are (see app_config()).
if (params.has('appConfig'))
  (globalThis as Record<string, unknown>).sqlite3ApiConfig = { custom: 'kept', disable: { vfs: { kvvfs: true } } }
if (params.has('no-opfs')) {
  // Simulates a browser without OPFS sync access handles (e.g. an old Safari): the library must refuse, not fall back.
  delete (FileSystemFileHandle.prototype as unknown as Record<string, unknown>).createSyncAccessHandle
}
// `failSaves`: the SQL function arm_save_failure() makes the next save of an IndexedDB image fail as a full disk would
// (storage 'indexeddb'), so a test can see the write undone and reported.
let failNextSave = false
if (params.has('failSaves')) {
  const put = IDBObjectStore.prototype.put
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (failNextSave && Array.isArray(key) && key[0] === 'image') {
      failNextSave = false
      throw new DOMException('the test filled the disk', 'QuotaExceededError')
    }
    return put.call(this, value, key)
  }
}
// arm_idb_failure(method, head): the next IDBObjectStore `method` ('get', 'delete', 'put') on a key whose first part is
// `head` ('snapshot', 'marker', …) throws, as a failing disk or a cleared site would. Patched on first use only.
const armed = new Map<string, string>()
function armIdbFailure(method: unknown, head: unknown): number {
  const name = String(method) as 'get' | 'delete' | 'put'
  const proto = IDBObjectStore.prototype as unknown as Record<string, (...args: unknown[]) => unknown>
  if (!armed.has(`patched:${name}`)) {
    armed.set(`patched:${name}`, '')
    const original = proto[name]!
    proto[name] = function (this: IDBObjectStore, ...args: unknown[]) {
      const key = name === 'put' ? args[1] : args[0]
      if (Array.isArray(key) && armed.get(name) === key[0]) {
        armed.delete(name)
        throw new DOMException(`the test made this ${name} fail`, 'UnknownError')
      }
      return original.apply(this, args)
    }
  }
  armed.set(name, String(head))
  return 1
}
const setName = params.get('set') ?? 'v2'
const set = migrationSets[setName] ?? layoutSets[setName]?.()
if (!set) throw new Error(`unknown migration set ${params.get('set')}`)
const baseline = params.get('baseline')
const faultAt = params.get('faultAt')
if (faultAt && !(faultAt in FAULT_POINTS)) throw new Error(`unknown fault point ${faultAt}`)
// `faultAt`: stall at that moment of the upgrade and announce it, so the page can kill this worker there.
const faults = faultInjector(faultAt as FaultPoint | null, params.has('faultPauseMs') ? Number(params.get('faultPauseMs')) : undefined)
function watchCalls(name: string): boolean {
  const announce = new BroadcastChannel(FAULT_CHANNEL)
  new BroadcastChannel(`sqlite-opfs-migrate:${name}`).onmessage = ({
    data,
  }: MessageEvent<{ type: string; method?: string; args?: unknown[] }>) => {
    if (data.type === 'call') announce.postMessage({ point: `call ${data.method} ${String(data.args?.[0] ?? '')}`.trim() })
  }
  return true
}
serveDatabase({
  migrations: set,
  // `baseline`: adopt a database made without this library (a version, or `user_version`).
  ...(baseline ? { baseline: baseline === 'user_version' ? baseline : Number(baseline) } : {}),
  functions: {
    fault_point: { fn: (id) => faults.faultPoint(id), arity: 1 },
    arm_save_failure: { fn: () => Number((failNextSave = true)), arity: 0 },
    arm_idb_failure: { fn: (method, head) => armIdbFailure(method, head), arity: 2 },
    // `SELECT watch_calls('app.db')` (on the owner): announces on the fault channel each call another tab sends to the
    // database (`call <method> <first argument>`), after this worker's own channel, created earlier, has taken it in.
    watch_calls: { fn: (name) => Number(watchCalls(String(name))), arity: 1 },
    // `SELECT app_config()`: the worker's sqlite-wasm configuration global as the app sees it now (JSON, or 'absent').
    app_config: { fn: () => JSON.stringify((globalThis as Record<string, unknown>).sqlite3ApiConfig) ?? 'absent', arity: 0 },
    // `SELECT throw_uncaught()`: an error escapes this worker (as a bug in a message handler would), after the call.
    throw_uncaught: {
      fn: () => {
        setTimeout(() => {
          throw new Error('the test threw this outside any call')
        })
        return 1
      },
      arity: 0,
    },
  },
  onProgress: faults.onProgress,
})
