// ESLint flat config: typescript-eslint's recommended rules, sorted imports, and each runtime's import rules.
// The plugins come from tools/lint (see its index.js for why they live there).
import { defineConfig } from 'eslint/config'
import { js, simpleImportSort, tseslint } from 'sqlite-opfs-migrate-lint'

/** Node's built-ins: code that runs in a browser page or worker must not import them (the bundle would fail late). */
const noNodeBuiltins = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex: '^(node:|(fs|path|os|url|crypto|child_process|worker_threads|module)(/|$))',
          message:
            'This code runs in a browser (core/ and shared/ in every runtime): no Node built-ins here (node/ is the place for them).',
        },
      ],
    },
  ],
}

export default defineConfig(
  {
    ignores: [
      '**/node_modules/',
      'dist/',
      'demo/dist/',
      'test-results/',
      'playwright-report/',
      'bench-results/',
      'bench/results/',
      'bench/dist/',
      // Other tools' migration folders, kept byte for byte.
      'test/unit/fixtures/',
      'test/browser/app/sections/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      // A `_` prefix marks a parameter or binding kept for a signature or a destructuring, as tsc's noUnused* allow.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-undef': 'off', // TypeScript's job: it knows each runtime's globals, the rule does not
    },
  },
  {
    // Type-aware, but only the rules that are cheap and catch real bugs: a promise nobody awaits or catches.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: [
      'src/**/*.ts',
      'shared/**/*.ts',
      'core/**/*.ts',
      'worker/**/*.ts',
      'demo/**/*.ts',
      'bench/app/**/*.ts',
      'test/browser/app/**/*.ts',
    ],
    ignores: ['**/vite.config.ts'],
    rules: noNodeBuiltins,
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
)
