import { defineConfig } from 'vitest/config'

// Unit tests of the pure parts (runner, history, statement splitting) on sqlite-wasm's Node build, in memory.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
  },
})
