// Adds the `.js` (or `/index.js`) that Node's ESM resolution needs to relative imports in the emitted declarations.
// tsc keeps specifiers as written, and ours are written for bundlers (`../shared/errors`); a TypeScript project with
// `moduleResolution: node16`/`nodenext` resolves declarations like Node resolves files, and would see broken types
// (are-the-types-wrong's "internal resolution error"). Run after `tsc -p tsconfig.build.json`.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const root = resolve(process.argv[2] ?? 'dist/types')
// A relative specifier after `from` or `import(` on a line that is not part of a comment (doc examples stay as written).
const SPECIFIER = /^(?!\s*(?:\*|\/\/))(.*?\b(?:from|import\()\s*['"])(\.{1,2}\/[^'"]*)(['"])/gm

for (const file of declarations(root)) {
  const text = readFileSync(file, 'utf8')
  const fixed = text.replace(SPECIFIER, (match, before, specifier, after) => {
    if (/\.(js|mjs|cjs|json)$/.test(specifier)) return match
    const target = resolve(dirname(file), specifier)
    if (existsSync(`${target}.d.ts`)) return `${before}${specifier}.js${after}`
    if (existsSync(join(target, 'index.d.ts'))) return `${before}${specifier}/index.js${after}`
    throw new Error(`${file}: cannot resolve ${specifier}`)
  })
  if (fixed !== text) writeFileSync(file, fixed)
}

function* declarations(directory) {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) yield* declarations(path)
    else if (name.endsWith('.d.ts')) yield path
  }
}
