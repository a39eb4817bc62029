import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { build, type Rolldown } from 'vite'
import { expect, it } from 'vitest'

// package.json says `"sideEffects": false`: a bundler may drop any module of ours whose exports are unused. That is only
// true if importing the page entry does nothing (no prototype changed, no global handler installed): bundle an import of
// it for its side effects alone, from a copy outside the package (so the bundler does not take package.json's word for
// it and looks at the code), and nothing of ours may be left.
it('importing the page entry runs no code: sideEffects: false holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'side-effects-'))
  try {
    // The page entry's code lives in src/ and shared/; their tsconfig.json files stay behind (they extend the repo's base).
    for (const folder of ['src', 'shared']) {
      const from = fileURLToPath(new URL(`../../${folder}`, import.meta.url))
      cpSync(from, join(dir, folder), { recursive: true, filter: (path) => !path.endsWith('tsconfig.json') })
    }
    const entry = join(dir, 'entry.js')
    writeFileSync(entry, `import './src/index.ts'\n`)
    const result = (await build({
      configFile: false,
      logLevel: 'silent',
      root: dir,
      build: {
        write: false,
        minify: false,
        lib: { entry, formats: ['es'], fileName: 'out' },
        rolldownOptions: { external: ['comlink', 'idb-keyval', '@sqlite.org/sqlite-wasm'] },
      },
    })) as Rolldown.RolldownOutput[]
    const code = result[0]!.output[0].code
    // External modules may stay as bare imports (they are not ours); no statement of ours may.
    expect(code.replace(/^import\s+["'][^"']+["'];?\s*$/gm, '').trim()).toBe('')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 30_000)
