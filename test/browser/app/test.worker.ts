import { serveDatabase } from 'sqlite-opfs-migrate/worker'
import { migrationSets } from './migration-sets'

const params = new URL(self.location.href).searchParams
if (params.has('no-opfs')) {
  // Simulates a browser without OPFS sync access handles (e.g. an old Safari): the library must refuse, not fall back.
  delete (FileSystemFileHandle.prototype as unknown as Record<string, unknown>).createSyncAccessHandle
}
const set = migrationSets[params.get('set') ?? 'v2']
if (!set) throw new Error(`unknown migration set ${params.get('set')}`)
const baseline = params.get('baseline')
serveDatabase({
  migrations: set,
  // `baseline`: adopt a database made without this library (a version, or `user_version`).
  ...(baseline ? { baseline: baseline === 'user_version' ? baseline : Number(baseline) } : {}),
  // `stallRestore`: when a restore starts (its marker is written, the file is about to be rewritten), keep this thread
  // busy for 1 s, so a page that terminates the worker on that event kills it there rather than after the write.
  onProgress: params.has('stallRestore')
    ? (event) => {
        if (event.type !== 'restore' || event.done) return
        const until = Date.now() + 1000
        while (Date.now() < until) {
          /* stall */
        }
      }
    : undefined,
})
