#!/usr/bin/env node
/**
 * `npx sqlite-opfs-migrate <check|status|plan|apply|verify|types> …`: the same checks and runner as the browser, on files,
 * in Node (sqlite-wasm's Node build; no native addon). The package's bin (built to dist/cli.js); the commands live
 * in cli/, one file each, and `USAGE` in cli/cli-args.ts.
 *
 * @example
 * // package.json
 * { "scripts": { "lint:migrations": "sqlite-opfs-migrate check migrations --strict" } }
 *
 * @module
 */
import { runCli } from './cli/run-cli'

process.exitCode = await runCli(process.argv.slice(2), process)
