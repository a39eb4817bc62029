import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import { defineConfig, type Plugin } from 'vite'

import root from '../vite.config.ts'

// `npm run demo`: a production build of the inspector into demo/dist, served by `vite preview`. A production build
// because the page must work offline after its first load: its service worker precaches every file of the build.
const outDir = fileURLToPath(new URL('./dist', import.meta.url))

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: root.resolve,
  worker: { format: 'es' },
  build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: true },
  preview: { port: 4173, open: !process.env.CI && !process.env.PLAYWRIGHT },
  plugins: [serviceWorker()],
})

/** Writes `sw.js` from `service-worker.js` with the list of built files and a version derived from their contents. */
function serviceWorker(): Plugin {
  return {
    name: 'demo-service-worker',
    apply: 'build',
    closeBundle() {
      const files = listFiles(outDir).filter((f) => !f.endsWith('.map') && f !== 'sw.js')
      const version = createHash('sha256')
      for (const file of files) version.update(file).update(readFileSync(join(outDir, file)))
      const source = readFileSync(new URL('./service-worker.js', import.meta.url), 'utf8')
      const header = `const VERSION = ${JSON.stringify(version.digest('hex').slice(0, 16))}\nconst PRECACHE = ${JSON.stringify(['./', ...files.filter((f) => f !== 'index.html')])}\n`
      writeFileSync(join(outDir, 'sw.js'), header + source)
    },
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort()
}
