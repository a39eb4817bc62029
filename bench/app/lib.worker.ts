import { serveDatabase } from 'sqlite-opfs-migrate/worker'

import { SCHEMA_V1, UPGRADE_V2 } from './bench-schema'

// The library's worker, as an app writes it. Named `upto=1` it knows only the schema; `upto=2` also the typical upgrade.
const upto = Number(/upto=(\d+)/.exec(self.name)?.[1] ?? 2)
serveDatabase({
  migrations: [
    { version: 1, name: 'schema', sql: SCHEMA_V1 },
    { version: 2, name: 'typical upgrade', sql: UPGRADE_V2 },
  ].filter((m) => m.version <= upto),
})
