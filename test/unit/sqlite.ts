import sqlite3InitModule from '@sqlite.org/sqlite-wasm'

import type { Database, Sqlite3 } from '../../core/sqlite/sqlite'

let loaded: Promise<Sqlite3> | undefined
/** sqlite-wasm's Node build (in-memory only), initialised once per test file. */
export function sqlite(): Promise<Sqlite3> {
  loaded ??= sqlite3InitModule()
  return loaded
}

/** A fresh in-memory database with foreign keys enforced, as the worker opens its files. */
export async function memoryDb(): Promise<{ sqlite3: Sqlite3; db: Database }> {
  const sqlite3 = await sqlite()
  const db = new sqlite3.oo1.DB(':memory:')
  db.exec('PRAGMA foreign_keys = ON')
  return { sqlite3, db }
}

/** Every row of a table, ordered by rowid, for before/after comparisons. */
export function rows(db: Database, table: string): Record<string, unknown>[] {
  return db.selectObjects(`SELECT * FROM ${table} ORDER BY rowid`)
}

/** Names of user tables. */
export function tables(db: Database): string[] {
  return db.selectValues(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).map(String)
}
