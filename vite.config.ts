import { fileURLToPath } from 'node:url'

import { defineConfig } from 'vite'

// Two jobs (the demo has its own config, demo/vite.config.ts, which borrows `resolve` from here):
// - `vite build`: the library (ESM for `.` and `./worker`; dependencies stay external for the app's bundler);
// - `vite`: a dev server over the repo; the Playwright suite serves /test/browser/app/ from it, and /demo/ works too.
export default defineConfig({
  // The demo and tests import the package by name, as an app would; in the repo that name is the source.
  resolve: {
    alias: [
      {
        find: /^sqlite-opfs-migrate\/(kysely|drizzle|react)$/,
        replacement: fileURLToPath(new URL('./integrations/$1/index.ts', import.meta.url)),
      },
      { find: /^sqlite-opfs-migrate\/worker$/, replacement: fileURLToPath(new URL('./worker/index.ts', import.meta.url)) },
      { find: /^sqlite-opfs-migrate$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  // sqlite-wasm finds its .wasm next to its module; pre-bundling would move the module and lose the file.
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  worker: { format: 'es' },
  // Under Playwright, a file saved during a run must not reload the pages a test is driving.
  server: { hmr: process.env.PLAYWRIGHT ? false : undefined },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      // index/worker run in browsers; vite (the plugin), verify (verifyUpgrades) and cli run in Node and import node: built-ins.
      entry: {
        index: 'src/index.ts',
        worker: 'worker/index.ts',
        // Optional integrations, each its own entry so the main one never imports their peer dependencies.
        kysely: 'integrations/kysely/index.ts',
        drizzle: 'integrations/drizzle/index.ts',
        react: 'integrations/react/index.ts',
        vite: 'node/vite-plugin.ts',
        verify: 'node/verify-upgrades.ts',
        cli: 'node/cli.ts',
      },
      formats: ['es'],
    },
    rolldownOptions: {
      external: [
        '@sqlite.org/sqlite-wasm',
        'comlink',
        'idb-keyval',
        'vite',
        /^node:/,
        /^kysely($|\/)/,
        /^drizzle-orm($|\/)/,
        /^react($|\/)/,
      ],
    },
  },
})
