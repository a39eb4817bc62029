#!/usr/bin/env node
/**
 * `npx sqlite-opfs-migrate <check|status|plan|apply> …`: the same checks and runner as the browser, on files, in Node
 * (sqlite-wasm's Node build; no native addon). See `USAGE` in cli-commands.ts.
 *
 * @example
 * // package.json
 * { "scripts": { "lint:migrations": "sqlite-opfs-migrate check migrations --strict" } }
 *
 * @module
 */
import { runCli } from './cli-commands'

process.exitCode = await runCli(process.argv.slice(2), process)
