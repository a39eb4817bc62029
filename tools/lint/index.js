// The linter's toolkit, installed in its own folder (tools/lint/node_modules) because typescript-eslint needs
// TypeScript's JavaScript API (6.0), which TypeScript 7 (the project's `tsc`) no longer ships. Node resolves
// `typescript` from here to 6.0 for the linter alone; the typecheck and the build keep using 7.
export { default as js } from '@eslint/js'
export { default as simpleImportSort } from 'eslint-plugin-simple-import-sort'
export { default as tseslint } from 'typescript-eslint'
