// All an app's config needs with the plugin: it sets the worker format, optimizeDeps and the worker's plugins itself.
import { sqliteOpfsMigrate } from 'sqlite-opfs-migrate/vite'

export default {
  plugins: [sqliteOpfsMigrate({ functions: ['shout'] })],
  build: { target: 'es2022' },
}
