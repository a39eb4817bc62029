import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { openMemoryCopy } from '../../core/sqlite/memory-copy'
import { runCli } from '../../node/cli/run-cli'
import { sqlite } from './sqlite'

let dir: string
let migrations: string
let db: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'som-cli-'))
  migrations = join(dir, 'migrations')
  db = join(dir, 'app.sqlite')
  await mkdir(migrations)
})
afterEach(() => rm(dir, { recursive: true, force: true }))

/** Runs the CLI in-process; returns exit code and what it wrote. */
async function cli(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } })
  return { code, stdout, stderr, json: () => JSON.parse(stdout) }
}
const write = (name: string, text: string) => writeFile(join(migrations, name), text)
/** Rows of a table in a database file (read through sqlite-wasm, as the CLI does). */
async function rowsIn(file: string, sql: string) {
  const bytes = new Uint8Array(await readFile(file))
  if (bytes[18] === 2) bytes.set([1, 1], 18) // a WAL-mode header: the in-memory copy reads it as a rollback-journal file
  const copy = openMemoryCopy(await sqlite(), bytes)
  try {
    return copy.selectObjects(sql)
  } finally {
    copy.close()
  }
}

const V1 = "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\nINSERT INTO notes (title) VALUES ('first'), ('second');"
const V2 = 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;'

describe('sqlite-opfs-migrate apply', () => {
  it('applies a goose file (its Up part only), a dbmate file and a comment-only migration; check warns about the empty one', async () => {
    await write('0001_notes.sql', `-- +goose Up\n${V1}\n-- +goose Down\nDROP TABLE notes;\n`)
    await write('0002_postgres_only.sql', '-- Postgres only\n')
    await write('0003_done.sql', `-- migrate:up\n${V2}\n-- migrate:down\nDELETE FROM notes;\n`)
    const checked = await cli('check', migrations, '--json')
    expect(checked.code).toBe(0)
    expect(checked.json().diagnostics.map((d: { rule: string }) => d.rule)).toEqual(['empty-migration'])
    expect(checked.json().migrations.map((m: { sqlFormat: string }) => m.sqlFormat)).toEqual(['goose', 'plain', 'dbmate'])
    expect((await cli('check', migrations, '--strict')).code).toBe(1)
    const result = await cli('apply', db, migrations, '--json')
    expect(result.code).toBe(0)
    expect(result.json().applied.map((r: { version: number }) => r.version)).toEqual([1, 2, 3])
    expect(await rowsIn(db, 'SELECT id, title, done FROM notes')).toEqual([
      { id: 1, title: 'first', done: 0 },
      { id: 2, title: 'second', done: 0 },
    ])
    expect((await cli('status', db, migrations)).code).toBe(0)
  })

  it('creates a new file, then upgrades it with a backup that is byte-identical to the file before', async () => {
    await write('0001_notes.sql', V1)
    expect((await cli('apply', db, migrations)).code).toBe(0)
    const before = await readFile(db)
    await write('0002_done.sql', V2)
    const result = await cli('apply', db, migrations, '--json')
    expect(result.code).toBe(0)
    const report = result.json()
    expect(report).toMatchObject({ ok: true, fromVersion: 1, toVersion: 2, applied: [{ version: 2, name: 'done', baseline: false }] })
    expect(await readFile(report.backup)).toEqual(before)
    expect(await rowsIn(db, 'SELECT id, title, done FROM notes')).toEqual([
      { id: 1, title: 'first', done: 0 },
      { id: 2, title: 'second', done: 0 },
    ])
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([])
    expect((await cli('apply', db, migrations)).stdout).toMatch(/up to date at version 2/)
  })

  it('a failing migration leaves the file byte-identical, says which statement failed, and exits 1', async () => {
    await write('0001_notes.sql', V1)
    await cli('apply', db, migrations)
    const before = await readFile(db)
    await write('0002_done.sql', V2)
    await write('0003_unique_titles.sql', "UPDATE notes SET title = 'same';\nCREATE UNIQUE INDEX notes_title ON notes (title);")
    const result = await cli('apply', db, migrations)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/error \[MIGRATION_FAILED\] migration 3 \("unique_titles"\) failed: UNIQUE constraint failed/)
    expect(result.stderr).toMatch(/in statement: CREATE UNIQUE INDEX notes_title/)
    expect(result.stderr).toMatch(/app\.sqlite was not changed \(backup: .*app\.sqlite\.backup-/)
    expect(await readFile(db)).toEqual(before)
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([])
  })

  it('refuses a migration that turns the rollback journal off before anything is written (apply and check)', async () => {
    await write('0001_notes.sql', V1)
    await cli('apply', db, migrations)
    const before = await readFile(db)
    await write('0002_fast.sql', "-- bulk\nPRAGMA journal_mode = OFF;\nUPDATE notes SET title = title || '!';")
    const result = await cli('apply', db, migrations)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/UNSAFE_PRAGMA.*migration 2 \("fast"\), line 2: PRAGMA journal_mode = OFF is refused/)
    expect(await readFile(db)).toEqual(before)
    expect((await readdir(dir)).filter((f) => f !== 'migrations' && f !== 'app.sqlite')).toEqual([])
    const check = await cli('check', migrations)
    expect(check.code).toBe(1)
    expect(check.stdout + check.stderr).toMatch(/error \[unsafe-pragma\] .*0002_fast\.sql:2: PRAGMA journal_mode = OFF/)
  })

  it('keeps the file’s permissions, and upgrades a WAL-mode file written by a native app, leaving it in WAL mode', async () => {
    await write('0001_notes.sql', V1)
    await cli('apply', db, migrations)
    const { chmod, stat } = await import('node:fs/promises')
    await chmod(db, 0o600)
    const wal = await readFile(db)
    wal.set([2, 2], 18) // what `PRAGMA journal_mode=WAL` leaves in the header of a cleanly closed file
    await writeFile(db, wal)
    await write('0002_done.sql', V2)
    expect((await cli('status', db, migrations, '--json')).json()).toMatchObject({ version: 1 })
    expect((await cli('apply', db, migrations, '--no-backup')).code).toBe(0)
    const after = await readFile(db)
    expect([after[18], after[19]]).toEqual([2, 2])
    expect((await stat(db)).mode & 0o777).toBe(0o600)
    expect(await rowsIn(db, 'SELECT done FROM notes')).toEqual([{ done: 0 }, { done: 0 }])
  })

  it('refuses a file that is not SQLite, and one with a hot journal beside it, without touching either', async () => {
    await write('0001_notes.sql', V1)
    await writeFile(db, 'not a database at all, just text that is long enough to look like a header')
    const junk = await cli('apply', db, migrations)
    expect(junk.code).toBe(1)
    expect(junk.stderr).toMatch(/INVALID_DATABASE_FILE.*is not a SQLite database/)
    await rm(db)
    await cli('apply', db, migrations)
    const before = await readFile(db)
    await writeFile(`${db}-journal`, 'x')
    expect((await cli('apply', db, migrations)).stderr).toMatch(/app\.sqlite-journal exists/)
    expect(await readFile(db)).toEqual(before)
    await rm(`${db}-journal`)
    await writeFile(`${db}-wal`, 'frames not yet checkpointed')
    expect((await cli('apply', db, migrations)).stderr).toMatch(/app\.sqlite-wal exists .* checkpointed/)
    expect(await readFile(db)).toEqual(before)
  })

  it('treats the file as untrusted: a history VIEW (row-eating trigger, or recursive), a hooked history, an odd header are refused by status, plan and apply, untouched', async () => {
    await write('0001_notes.sql', V1)
    await cli('apply', db, migrations)
    await write('0002_done.sql', V2)
    const legit = await readFile(db)
    /** The legit file with `sql` run on it (as an attacker would), written over db. */
    const tampered = async (sql: string) => {
      const sqlite3 = await sqlite()
      const copy = openMemoryCopy(sqlite3, new Uint8Array(legit))
      copy.exec(sql)
      await writeFile(db, sqlite3.capi.sqlite3_js_db_export(copy))
      copy.close()
      return readFile(db)
    }
    const files = {
      eater: `CREATE TABLE hist_copy AS SELECT * FROM schema_migrations; DROP TABLE schema_migrations;
        CREATE VIEW schema_migrations AS SELECT * FROM hist_copy;
        CREATE TRIGGER eat INSTEAD OF INSERT ON schema_migrations BEGIN DELETE FROM notes; END;`,
      loop: `DROP TABLE schema_migrations; CREATE VIEW schema_migrations AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)
        SELECT i AS version, 'x' AS name, NULL AS checksum, '' AS applied_at, 0.0 AS duration_ms, 0 AS baseline FROM r;`,
      hooked: `CREATE TRIGGER forget AFTER UPDATE ON notes BEGIN DELETE FROM schema_migrations; END;`,
    }
    for (const [name, sql] of Object.entries(files)) {
      const before = await tampered(sql)
      for (const command of ['status', 'plan', 'apply']) {
        const result = await cli(command, db, migrations)
        expect(result.code, `${name} ${command}`).toBe(1)
        expect(result.stderr).toMatch(
          /error \[INVALID_DATABASE_FILE\] .*app\.sqlite is not a SQLite database this library can use \(unexpected-schema\)/,
        )
      }
      expect(await readFile(db)).toEqual(before)
      expect(await rowsIn(db, 'SELECT title FROM notes')).toEqual([{ title: 'first' }, { title: 'second' }])
    }
    // A header the CLI would have to rewrite to read: a file format version above 2.
    const future = Buffer.from(legit)
    future[18] = 3
    await writeFile(db, future)
    expect((await cli('apply', db, migrations)).stderr).toMatch(/INVALID_DATABASE_FILE.*\(unsupported\).*file format versions/)
    expect(await readFile(db)).toEqual(future)
    expect((await readdir(dir)).filter((f) => f.includes('.backup-') || f.includes('.tmp-'))).toEqual([])
  })

  it('adopts a database made by hand-rolled code with --baseline user_version, keeping every row', async () => {
    const sqlite3 = await sqlite()
    const legacy = new sqlite3.oo1.DB(':memory:')
    legacy.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0);
                 INSERT INTO notes (title, done) VALUES ('kept', 1); PRAGMA user_version = 2;`)
    await writeFile(db, sqlite3.capi.sqlite3_js_db_export(legacy))
    legacy.close()
    await write('0001_notes.sql', V1)
    await write('0002_done.sql', V2)
    await write('0003_tags.sql', 'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);')
    expect((await cli('apply', db, migrations)).stderr).toMatch(/pass baseline: 'user_version'/)
    const result = await cli('apply', db, migrations, '--baseline', 'user_version', '--json')
    expect(result.json().applied.map((r: { version: number; baseline: boolean }) => [r.version, r.baseline])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ])
    expect(await rowsIn(db, 'SELECT title, done FROM notes')).toEqual([{ title: 'kept', done: 1 }])
    const status = (await cli('status', db, migrations, '--json')).json()
    expect(status.applied.map((r: { state: string }) => r.state)).toEqual(['baseline', 'baseline', 'ok'])
  })

  it('registers functions and collations from a --setup module for migrations that use them', async () => {
    await writeFile(
      join(dir, 'setup.mjs'),
      "export const functions = { slug: { fn: (s) => String(s).toLowerCase().replaceAll(' ', '-'), deterministic: true, arity: 1 } }\nexport const collations = { reverse: (a, b) => b.localeCompare(a) }\n",
    )
    await write('0001_notes.sql', V1)
    await write(
      '0002_slugs.sql',
      "ALTER TABLE notes ADD COLUMN slug TEXT COLLATE reverse;\nUPDATE notes SET slug = slug(title || ' Note') WHERE slug IS NULL;",
    )
    expect((await cli('check', migrations)).code).toBe(1) // unknown to the check without them
    expect((await cli('check', migrations, '--function', 'slug', '--collation', 'reverse')).code).toBe(0)
    expect((await cli('check', migrations, '--setup', join(dir, 'setup.mjs'))).code).toBe(0)
    expect((await cli('check', migrations, '--collation=reverse', '--function=slug')).code).toBe(0)
    expect((await cli('apply', db, migrations, '--setup', join(dir, 'setup.mjs'))).code).toBe(0)
    expect(await rowsIn(db, 'SELECT slug FROM notes')).toEqual([{ slug: 'first-note' }, { slug: 'second-note' }])
  })
})

describe('sqlite-opfs-migrate status and plan', () => {
  it('status lists applied (checksums verified) and pending, and flags an edited migration with exit 1', async () => {
    await write('0001_notes.sql', V1)
    await cli('apply', db, migrations)
    await write('0002_done.sql', V2)
    const ok = await cli('status', db, migrations, '--json')
    expect(ok.code).toBe(0)
    expect(ok.json()).toMatchObject({
      version: 1,
      latestVersion: 2,
      applied: [{ version: 1, state: 'ok' }],
      pending: [{ version: 2, name: 'done', kind: 'sql' }],
      problem: null,
    })
    await write('0001_notes.sql', V1.replace('first', 'FIRST'))
    const edited = await cli('status', db, migrations)
    expect(edited.code).toBe(1)
    expect(edited.stdout).toMatch(/1 notes .* edited/)
    expect(edited.stdout).toMatch(/problem \[MIGRATION_EDITED\]/)
  })

  it("status says when the file's schema is not what its migrations produced (changed by hand), with exit 1", async () => {
    await write('0001_notes.sql', V1)
    await cli('apply', db, migrations)
    const ok = await cli('status', db, migrations)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/schema: matches what migration 1 left/)
    // Someone adds an index with the sqlite3 shell.
    const sqlite3 = await sqlite()
    const copy = openMemoryCopy(sqlite3, new Uint8Array(await readFile(db)))
    copy.exec('CREATE INDEX by_hand ON notes (title)')
    await writeFile(db, sqlite3.capi.sqlite3_js_db_export(copy))
    copy.close()
    const changed = await cli('status', db, migrations)
    expect(changed.code).toBe(1)
    expect(changed.stdout).toMatch(
      /schema: CHANGED: this database's schema is not what its migrations produce \(migration 1 left another one/,
    )
    const json = (await cli('status', db, migrations, '--json')).json()
    expect(json).toMatchObject({ ok: false, schema: { state: 'changed', recordedBy: 1, recorded: json.applied[0].schemaFingerprint } })
  })

  it('plan reports each step (time, rows changed, schema after) without writing the file', async () => {
    await write('0001_notes.sql', V1)
    await cli('apply', db, migrations)
    const before = await readFile(db)
    await write('0002_done.sql', V2)
    await write('0003_finish.sql', 'UPDATE notes SET done = 1 WHERE id = 1;')
    const result = await cli('dry-run', db, migrations, '--json')
    expect(result.code).toBe(0)
    const report = result.json()
    expect(report.steps.map((s: { version: number; outcome: string; changes: number }) => [s.version, s.outcome, s.changes])).toEqual([
      [2, 'applied', 0],
      [3, 'applied', 1],
    ])
    const notes = report.steps[0].schemaAfter.find((o: { name: string }) => o.name === 'notes')
    expect(notes.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'title', 'done'])
    expect(await readFile(db)).toEqual(before)
    await write('0004_bad.sql', 'SELECT nope FROM notes;')
    const failing = await cli('plan', db, migrations)
    expect(failing.code).toBe(1)
    expect(failing.stdout).toMatch(/4 bad\s+failed[\s\S]*no such column: nope[\s\S]*FAILED: apply would fail/)
  })
})

describe('sqlite-opfs-migrate check', () => {
  it('prints file:line errors and warnings, honours --strict, and exits non-zero on usage errors', async () => {
    await write('0001_notes.sql', V1)
    await write('0002_drop.sql', '-- cleanup\nDROP TABLE notes;')
    const warned = await cli('check', migrations)
    expect(warned.code).toBe(0)
    expect(warned.stdout).toMatch(/warning \[drop-table\] .*0002_drop\.sql:2: drops table notes/)
    expect((await cli('check', migrations, '--strict')).code).toBe(1)
    await write('0003_broken.sql', 'CREATE TABLE x (a,, b);')
    const broken = await cli('check', migrations, '--json')
    expect(broken.code).toBe(1)
    expect(broken.json().diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', rule: 'sql-error', line: 1 }))
    expect((await cli('check')).code).toBe(2)
    expect((await cli('apply', db)).code).toBe(2)
    expect((await cli('check', migrations, '--nope')).stderr).toMatch(/unknown option --nope/)
    expect((await cli('apply', db, migrations, '--baseline', '0')).code).toBe(2)
    expect((await cli('check', migrations, '--strict=x')).code).toBe(2) // --strict takes no value: "x" is a 2nd dir
  })

  it('shows ignored files as notes with their reason, and folder problems as errors', async () => {
    const fixture = (dir: string) => join(import.meta.dirname, 'fixtures/layouts', dir)
    const flyway = await cli('check', fixture('flyway/db/migration'))
    expect(flyway.code).toBe(0)
    expect(flyway.stdout).toMatch(/^note \[ignored\] .*U1_1__add_email\.sql: Flyway undo migration/m)
    expect(flyway.stdout).toMatch(/4 migration\(s\), 0 error\(s\), 0 warning\(s\)/)
    const json = (await cli('check', fixture('prisma/migrations'), '--json')).json()
    expect(json.ignored).toEqual([
      { path: expect.stringMatching(/migration_lock\.toml$/), reason: expect.stringMatching(/^Prisma lock file/) },
    ])
    expect(json.migrations.map((m: { name: string; format: string }) => [m.name, m.format])[0]).toEqual(['20210101000000_init', 'prisma'])
    await write('0001_notes.sql', V1)
    await write('R__views.sql', 'CREATE VIEW v AS SELECT 1;')
    const refused = await cli('check', migrations)
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/error \[unsupported-migration\] .*R__views\.sql: a Flyway repeatable migration/)
    const empty = await cli('check', join(dir, 'empty'))
    expect(empty.code).toBe(1) // (ENOENT is an error too; an existing empty folder is tested below)
    await mkdir(join(dir, 'empty'))
    expect((await cli('check', join(dir, 'empty'))).stdout).toMatch(/error \[no-migrations\] no migration files: the folder is empty/)
  })

  it('a migrations folder named like a version (v1/) is the folder itself, not a version folder of it', async () => {
    const v1 = join(dir, 'v1')
    await mkdir(v1)
    await writeFile(join(v1, '0001_notes.sql'), V1)
    await writeFile(join(v1, '0002_done.sql'), V2)
    const result = (await cli('check', v1, '--json')).json()
    expect(result.ok).toBe(true)
    expect(result.migrations.map((m: { version: number; name: string }) => [m.version, m.name])).toEqual([
      [1, 'notes'],
      [2, 'done'],
    ])
  })

  it('runs as the package bin (dist/cli.js, built by npm test before the unit tests)', async () => {
    const bin = join(import.meta.dirname, '../../dist/cli.js')
    expect(existsSync(bin), 'dist/cli.js is missing: run npm run build').toBe(true)
    await write('0001_notes.sql', V1)
    const run = promisify(execFile)
    const { stdout } = await run(process.execPath, [bin, 'check', migrations])
    expect(stdout).toMatch(/1 migration\(s\), 0 error\(s\), 0 warning\(s\)/)
    await write('0002_bad.sql', 'CREATE TABLE notes (x);')
    await expect(run(process.execPath, [bin, 'check', migrations])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/0002_bad\.sql:1: table notes already exists/),
    })
  })
})
