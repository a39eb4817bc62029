import { serveDatabase } from 'sqlite-opfs-migrate/worker'
import { migrationSets } from './migration-sets'

const params = new URL(self.location.href).searchParams
if (params.has('no-opfs')) {
  // Simulates a browser without OPFS sync access handles (e.g. an old Safari): the library must refuse, not fall back.
  delete (FileSystemFileHandle.prototype as unknown as Record<string, unknown>).createSyncAccessHandle
}
const set = migrationSets[params.get('set') ?? 'v2']
if (!set) throw new Error(`unknown migration set ${params.get('set')}`)
serveDatabase({ migrations: set })
