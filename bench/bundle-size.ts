import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

import { build } from 'vite'

/**
 * Size of what the page ships for `import … from 'sqlite-opfs-migrate'`: the main-thread entry built by Vite as an
 * app's build would (minified, tree-shaken from the whole public surface), gzip level 9. With `comlink` bundled in
 * (what an app ships, unless it already uses Comlink) and without it.
 */
export async function mainBundleSize(): Promise<{ withComlink: { min: number; gzip: number }; entryOnly: { min: number; gzip: number } }> {
  const measure = async (external: string[]) => {
    const outDir = mkdtempSync(join(tmpdir(), 'som-bundle-'))
    try {
      await build({
        configFile: false,
        logLevel: 'silent',
        build: {
          outDir,
          minify: true,
          target: 'es2022',
          lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' },
          rolldownOptions: { external },
        },
      })
      const files = readdirSync(outDir).filter((f) => f.endsWith('.js'))
      const code = Buffer.concat(files.map((f) => readFileSync(join(outDir, f))))
      return { min: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength }
    } finally {
      rmSync(outDir, { recursive: true, force: true })
    }
  }
  return { withComlink: await measure([]), entryOnly: await measure(['comlink']) }
}
