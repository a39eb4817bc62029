import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// One config for three jobs:
// - `vite build`: the library (ESM for `.` and `./worker`; dependencies stay external for the app's bundler);
// - `vite` (npm run demo): a dev server over the repo, opening /demo/;
// - the Playwright suite, which serves /test/browser/app/ from the same dev server.
export default defineConfig({
  // The demo and tests import the package by name, as an app would; in the repo that name is the source.
  resolve: {
    alias: [
      { find: /^sqlite-opfs-migrate\/worker$/, replacement: fileURLToPath(new URL('./worker/index.ts', import.meta.url)) },
      { find: /^sqlite-opfs-migrate$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  server: { open: process.env.CI || process.env.PLAYWRIGHT ? false : '/demo/' },
  // sqlite-wasm finds its .wasm next to its module; pre-bundling would move the module and lose the file.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: { index: 'src/index.ts', worker: 'worker/index.ts' },
      formats: ['es'],
    },
    rolldownOptions: {
      external: ['@sqlite.org/sqlite-wasm', 'comlink', 'idb-keyval'],
    },
  },
})
