/**
 * Types of the module the Vite plugin provides. Add `"types": ["sqlite-opfs-migrate/virtual"]` to your tsconfig (or
 * `/// <reference types="sqlite-opfs-migrate/virtual" />` to a `.d.ts` of your app).
 */
declare module 'virtual:sqlite-opfs-migrate' {
  import type { Migration } from 'sqlite-opfs-migrate/worker'
  /** The migrations folder, ordered by version, checked at build time. */
  const migrations: Migration[]
  export default migrations
}
