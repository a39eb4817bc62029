import migrations from 'virtual:sqlite-opfs-migrate'
import { serveDatabase } from 'sqlite-opfs-migrate/worker'

serveDatabase({ migrations, functions: { shout: { fn: (s) => `${String(s).toUpperCase()}!`, deterministic: true, arity: 1 } } })
