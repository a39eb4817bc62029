import { fileURLToPath } from 'node:url'

import { defineConfig } from 'vite'

import root from '../vite.config.ts'

// The bench page as an app ships it: a production build (bench/dist) served by `vite preview`, so startup figures
// are not those of the dev server's unbundled modules.
export default defineConfig({
  root: fileURLToPath(new URL('./app', import.meta.url)),
  base: './',
  resolve: root.resolve,
  worker: { format: 'es' },
  build: { outDir: fileURLToPath(new URL('./dist', import.meta.url)), emptyOutDir: true, target: 'es2022' },
})
