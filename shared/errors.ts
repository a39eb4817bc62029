// The library's typed errors, one module to import them from. They live by subject in errors/: the base class
// (library-error.ts), the migrations' (migration-errors.ts), opening and calling (call-errors.ts) and the file's
// (file-errors.ts). A new class goes into its subject's file, is exported here and is listed in `errorClasses`.
import {
  DatabaseClosedError,
  DatabaseLockedError,
  DatabaseTooNewError,
  InvalidOptionsError,
  OpfsUnavailableError,
  SqliteError,
  TransactionLostError,
  TransactionOpenError,
} from './errors/call-errors'
import {
  DatabaseCorruptError,
  InsufficientStorageError,
  InvalidDatabaseFileError,
  RecoveryPendingError,
  SnapshotError,
  StorageMismatchError,
  UnsupportedFormatError,
  WriteNotSavedError,
} from './errors/file-errors'
import { SqliteOpfsMigrateError } from './errors/library-error'
import {
  HistoryMismatchError,
  InvalidMigrationsError,
  MigrationEditedError,
  MigrationFailedError,
  UnsafePragmaError,
} from './errors/migration-errors'

export {
  DatabaseClosedError,
  DatabaseCorruptError,
  DatabaseLockedError,
  DatabaseTooNewError,
  HistoryMismatchError,
  InsufficientStorageError,
  InvalidDatabaseFileError,
  InvalidMigrationsError,
  InvalidOptionsError,
  MigrationEditedError,
  MigrationFailedError,
  OpfsUnavailableError,
  RecoveryPendingError,
  SnapshotError,
  SqliteError,
  SqliteOpfsMigrateError,
  StorageMismatchError,
  TransactionLostError,
  TransactionOpenError,
  UnsafePragmaError,
  UnsupportedFormatError,
  WriteNotSavedError,
}

/** Every exported error class, by its `name`; used to rebuild errors that crossed the worker boundary. */
export const errorClasses = {
  DatabaseCorruptError,
  SqliteOpfsMigrateError,
  InvalidOptionsError,
  InvalidMigrationsError,
  OpfsUnavailableError,
  DatabaseLockedError,
  DatabaseTooNewError,
  MigrationEditedError,
  HistoryMismatchError,
  InsufficientStorageError,
  SnapshotError,
  MigrationFailedError,
  SqliteError,
  TransactionOpenError,
  TransactionLostError,
  DatabaseClosedError,
  InvalidDatabaseFileError,
  WriteNotSavedError,
  StorageMismatchError,
  UnsafePragmaError,
  RecoveryPendingError,
  UnsupportedFormatError,
} as const
