import { describe, expect, expectTypeOf, it } from 'vitest'

import type { DatabaseStatus, RunResult, SqlParams } from '../../shared/types'
import {
  type MethodArgs,
  type MethodName,
  type MethodResult,
  METHODS,
  REMOTE_METHODS,
  type RemoteMethod,
  rulesOf,
  type WorkerApi,
} from '../../shared/worker-protocol'
import type { HostApi } from '../../worker/host/database-host'

// The table decides how every call is served across tabs: which call a follower may run again at the next owner, after
// which the tabs are told the version, which a pending recovery refuses. A change to a rule must be a visible, failing
// diff here, never a side effect of adding a row.
const where = (rule: (method: RemoteMethod) => boolean) => REMOTE_METHODS.filter(rule).sort()

describe('METHODS', () => {
  it('has a row for every method the worker exposes, and no other', () => {
    expect(Object.keys(METHODS).sort()).toEqual(
      [
        'attach',
        'batch',
        'close',
        'deleteSnapshot',
        'dryRun',
        'exec',
        'execute',
        'exportDatabase',
        'exportSnapshot',
        'importDatabase',
        'integrityCheck',
        'migrate',
        'open',
        'query',
        'restoreSnapshot',
        'schema',
        'snapshot',
        'snapshots',
        'status',
        'suspend',
      ].sort(),
    )
  })

  it('forwards every call on the database to the owner, and none of the worker’s own life', () => {
    const lifecycle = (Object.keys(METHODS) as MethodName[]).filter((m) => METHODS[m].kind === 'lifecycle').sort()
    expect(lifecycle).toEqual(['attach', 'close', 'open', 'suspend'])
    expect([...REMOTE_METHODS].sort()).toEqual((Object.keys(METHODS) as MethodName[]).filter((m) => !lifecycle.includes(m)).sort())
  })

  it('runs again at the next owner only the calls that read', () => {
    expect(where((m) => rulesOf(m).readOnly)).toEqual(
      ['status', 'snapshots', 'exportDatabase', 'dryRun', 'integrityCheck', 'schema', 'exportSnapshot'].sort(),
    )
  })

  it('tells the tabs the version again after the calls that may move it', () => {
    expect(where((m) => rulesOf(m).changesVersion)).toEqual(['importDatabase', 'migrate', 'restoreSnapshot'])
  })

  it('refuses the writes a pending recovery would overwrite; lets the app’s SQL read', () => {
    expect(where((m) => rulesOf(m).whileRecoveryPending === 'refused')).toEqual([
      'batch',
      'deleteSnapshot',
      'importDatabase',
      'migrate',
      'restoreSnapshot',
    ])
    expect(where((m) => rulesOf(m).whileRecoveryPending === 'reads-only')).toEqual(['exec', 'execute', 'query'])
  })

  it('tracks the tab’s transaction across the calls whose SQL runs as written', () => {
    expect(where((m) => rulesOf(m).controlsTransaction)).toEqual(['exec', 'execute', 'query'])
  })

  it('gives a read-only call none of the rules of a write', () => {
    for (const method of REMOTE_METHODS) {
      const rules = rulesOf(method)
      if (rules.readOnly) expect([method, rules.changesVersion, rules.whileRecoveryPending]).toEqual([method, false, 'runs'])
    }
  })

  it('types the worker API, the host and the page’s calls from its rows', () => {
    expectTypeOf<WorkerApi['exec']>().toEqualTypeOf<(sql: string, params?: SqlParams) => Promise<RunResult>>()
    expectTypeOf<MethodArgs<'restoreSnapshot'>>().toEqualTypeOf<[id: string, options: { snapshotCurrent: boolean }]>()
    expectTypeOf<MethodResult<'status'>>().toEqualTypeOf<DatabaseStatus>()
    // The host answers `status` without `tabs`: the tab's coordinator adds them.
    expectTypeOf<Awaited<ReturnType<HostApi['status']>>>().toEqualTypeOf<Omit<DatabaseStatus, 'tabs'>>()
    expectTypeOf<keyof HostApi>().toEqualTypeOf<RemoteMethod>()
  })
})
