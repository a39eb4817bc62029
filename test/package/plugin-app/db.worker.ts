import { serveDatabase } from 'sqlite-opfs-migrate/worker'
import migrations from 'virtual:sqlite-opfs-migrate'

serveDatabase({ migrations, functions: { shout: { fn: (s) => `${String(s).toUpperCase()}!`, deterministic: true, arity: 1 } } })
