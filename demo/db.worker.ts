// The demo's database worker: what an app writes (serveDatabase with its migrations), plus the showcase switches the
// page passes as the worker's name (see demo-config.ts).
import { serveDatabase } from 'sqlite-opfs-migrate/worker'

import { migrations } from '../migrations'
import { migrationsFor, parseDemoConfig } from './demo-config'

serveDatabase({ migrations: migrationsFor(parseDemoConfig(self.name), migrations) })
