// The demo's database worker: exactly what an app writes.
import { serveDatabase } from 'sqlite-opfs-migrate/worker'
import { migrations } from '../migrations'

serveDatabase({ migrations })
