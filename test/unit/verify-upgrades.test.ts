import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { runMigrations } from '../../core/runner/run-migrations'
import { runCli } from '../../node/cli/run-cli'
import { verifyUpgrades } from '../../node/verify-upgrades'
import type { Migration } from '../../shared/types'
import { sqlite } from './sqlite'

let dir: string
let migrations: string
let fixtures: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'som-verify-'))
  migrations = join(dir, 'migrations')
  fixtures = join(dir, 'fixtures')
  await mkdir(migrations)
  await mkdir(fixtures)
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const write = (name: string, text: string) => writeFile(join(migrations, name), text)
async function cli(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } })
  return { code, stdout, stderr, json: () => JSON.parse(stdout) }
}

const V1 = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);'
const V2 = 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;'
const V3 = 'CREATE INDEX notes_done ON notes (done);'
/** A seed for every version of V1..V3: two notes with the same title once the table exists. */
const SEED = `export function seed(db, { version }) {
  if (version >= 1) db.exec("INSERT INTO notes (title) VALUES ('same'), ('same')")
}\n`

/** A database file made with `list`, as an old version of the app left it on a device. */
async function fixtureMadeWith(name: string, list: Migration[]) {
  const sqlite3 = await sqlite()
  const db = new sqlite3.oo1.DB(':memory:')
  await runMigrations(sqlite3, db, list)
  db.exec("INSERT INTO notes (title) VALUES ('from the field')")
  const file = join(fixtures, name)
  await writeFile(file, sqlite3.capi.sqlite3_js_db_export(db))
  db.close()
  return file
}

describe('verifyUpgrades', () => {
  it('a clean folder: every version from 0 upgrades to the fresh install, and the report says so', async () => {
    await Promise.all([write('0001_notes.sql', V1), write('0002_done.sql', V2), write('0003_done_index.sql', V3)])
    const report = await verifyUpgrades({ migrations })
    expect(report).toMatchObject({ ok: true, latestVersion: 3, freshFailure: null, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(report.checks.map((c) => [c.from, c.steps, c.result])).toEqual([
      [0, 3, 'same'],
      [1, 2, 'same'],
      [2, 1, 'same'],
    ])
  })

  it('a migration that only works on an empty table: found with a seed, naming the start, the migration and the error', async () => {
    const list: Migration[] = [
      { version: 1, name: 'notes', sql: V1 },
      { version: 2, name: 'unique_titles', sql: 'CREATE UNIQUE INDEX notes_title ON notes (title);' },
    ]
    expect((await verifyUpgrades({ migrations: list })).ok).toBe(true) // without rows, nothing shows
    const report = await verifyUpgrades({
      migrations: list,
      seed: (db, { version }) => version >= 1 && db.exec("INSERT INTO notes (title) VALUES ('a'), ('a')"),
    })
    expect(report.ok).toBe(false)
    expect(report.checks.find((c) => c.from === 1)).toMatchObject({
      result: 'failed',
      failure: {
        version: 2,
        name: 'unique_titles',
        code: 'MIGRATION_FAILED',
        message: expect.stringMatching(/UNIQUE constraint failed: notes\.title/),
        statement: expect.stringMatching(/CREATE UNIQUE INDEX/),
      },
    })
  })

  it('a code migration whose schema depends on the data: drift, described in words', async () => {
    const list: Migration[] = [
      { version: 1, name: 'notes', sql: V1 },
      {
        version: 2,
        name: 'done',
        // A "fast path" for empty tables that forgets the default: the kind of drift only old devices see.
        up: (db) =>
          db.exec(
            Number(db.selectValue('SELECT count(*) FROM notes')) === 0
              ? 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0'
              : 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 1',
          ),
      },
    ]
    const report = await verifyUpgrades({
      migrations: list,
      seed: (db, { version }) => version >= 1 && db.exec("INSERT INTO notes (title) VALUES ('x')"),
    })
    expect(report.checks.find((c) => c.from === 1)).toMatchObject({
      result: 'drift',
      difference: 'table notes: column done has DEFAULT 1 after upgrading from version 1, DEFAULT 0 on a fresh install',
    })
  })

  it('a fixture made with an old, since-edited migration: refused as edited, or drift when edits are accepted; the file is never written', async () => {
    const old = await fixtureMadeWith('v2.sqlite', [
      { version: 1, name: 'notes', sql: V1 },
      { version: 2, name: 'done', sql: 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 1;' },
    ])
    const bytes = await readFile(old)
    await Promise.all([write('0001_notes.sql', V1), write('0002_done.sql', V2), write('0003_done_index.sql', V3)])
    const refused = await verifyUpgrades({ migrations, fixtures })
    expect(refused.ok).toBe(false)
    expect(refused.checks.at(-1)).toMatchObject({
      source: 'fixture',
      fixture: old,
      result: 'failed',
      failure: { code: 'MIGRATION_EDITED', version: 2 },
    })
    const accepted = await verifyUpgrades({ migrations, fixtures, acceptEditedMigrations: [2] })
    expect(accepted.checks.at(-1)).toMatchObject({
      source: 'fixture',
      from: 2,
      steps: 1,
      result: 'drift',
      difference: `table notes: column done has DEFAULT 1 after upgrading ${old} (version 2), DEFAULT 0 on a fresh install`,
    })
    expect(await readFile(old)).toEqual(bytes)
  })

  it('a fixture that is not a database is a finding, not a crash', async () => {
    await write('0001_notes.sql', V1)
    await writeFile(join(fixtures, 'junk.db'), 'not a database at all, but long enough to be read as something else entirely '.repeat(3))
    const report = await verifyUpgrades({ migrations, fixtures })
    expect(report.checks.at(-1)).toMatchObject({ result: 'failed', failure: { code: 'INVALID_DATABASE_FILE' } })
  })

  it('a fresh install that fails is reported as such', async () => {
    const report = await verifyUpgrades({
      migrations: [{ version: 1, name: 'broken', sql: 'CREATE TABLE t (a); INSERT INTO nowhere VALUES (1);' }],
    })
    expect(report).toMatchObject({
      ok: false,
      fingerprint: null,
      freshFailure: { version: 1, name: 'broken', code: 'MIGRATION_FAILED' },
      checks: [],
    })
  })
})

describe('sqlite-opfs-migrate verify', () => {
  it('exit 0 and a table on a clean folder; --json gives the same report', async () => {
    await Promise.all([write('0001_notes.sql', V1), write('0002_done.sql', V2)])
    const human = await cli('verify', migrations)
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(
      /^from\s+steps\s+result\s+first difference\nv0\s+2\s+ok\nv1\s+1\s+ok\nok: 2 start\(s\) upgrade to the schema of a fresh install \(version 2\)/,
    )
    const json = await cli('verify', migrations, '--json')
    expect(json.code).toBe(0)
    expect(json.json()).toMatchObject({
      ok: true,
      latestVersion: 2,
      checks: [
        { from: 0, result: 'same' },
        { from: 1, result: 'same' },
      ],
    })
  })

  it('exit 1 naming the start, the migration and the error, with --seed <module>', async () => {
    await Promise.all([
      write('0001_notes.sql', V1),
      write('0002_done.sql', V2),
      write('0003_unique.sql', 'CREATE UNIQUE INDEX notes_title ON notes (title);'),
    ])
    await writeFile(join(dir, 'seed.mjs'), SEED)
    const result = await cli('verify', migrations, '--seed', join(dir, 'seed.mjs'))
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /v1\s+1\s+FAILED\s+\[MIGRATION_FAILED\] migration 3 \("unique"\) failed: UNIQUE constraint failed: notes\.title/,
    )
    expect(result.stdout).toMatch(/v2\s+0\s+FAILED/)
    expect(result.stdout).toMatch(/FAILED: 2 of 3 start\(s\) do not reach the schema of a fresh install \(version 3\)/)
    const json = await cli('verify', migrations, '--seed', join(dir, 'seed.mjs'), '--json')
    expect(json.code).toBe(1)
    expect(json.json().checks[1]).toMatchObject({ from: 1, result: 'failed', failure: { version: 3, name: 'unique' } })
  })

  it('exit 1 on drift from a --fixtures file', async () => {
    await fixtureMadeWith('old.sqlite', [
      { version: 1, name: 'notes', sql: V1 },
      { version: 2, name: 'done', sql: 'ALTER TABLE notes ADD COLUMN done INTEGER;' },
    ])
    await Promise.all([write('0001_notes.sql', V1), write('0002_done.sql', V2), write('0003_done_index.sql', V3)])
    const result = await cli('verify', migrations, '--fixtures', fixtures, '--accept-edited')
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /old\.sqlite \(v2\)\s+1\s+DRIFT\s+table notes: column done is nullable after upgrading .*old\.sqlite \(version 2\), NOT NULL on a fresh install/,
    )
  })
})
