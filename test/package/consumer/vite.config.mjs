// What the README asks of an app's config (a plain object: this throwaway app does not install vite itself).
export default {
  optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
  worker: { format: 'es' },
  build: { target: 'es2022' },
}
