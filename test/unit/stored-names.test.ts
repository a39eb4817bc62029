import { describe, expect, it } from 'vitest'

import * as names from '../../shared/stored-names'

// Users' data is found by these exact values, and tabs of different releases meet under them: a change here must be a
// visible, failing diff (see shared/stored-names.ts), never a quiet refactor.
describe('stored names', () => {
  it('keep every OPFS name', () => {
    expect(names.OPFS_ROOT_DIRECTORY).toBe('.sqlite-opfs-migrate')
    expect(names.opfsPoolDirectory('app.db')).toBe('.sqlite-opfs-migrate/app.db')
    expect(names.SAHPOOL_VFS_NAME).toBe('opfs-sahpool')
    expect(names.SAHPOOL_HEADER_BYTES).toBe(4096)
  })

  it('keep the IndexedDB database, store and record keys', () => {
    expect(names.SNAPSHOT_IDB).toEqual({ database: 'sqlite-opfs-migrate', store: 'snapshots' })
    expect(names.RECORD).toEqual({
      snapshotIndex: 'snapshots',
      snapshotChunk: 'snapshot',
      marker: 'marker',
      lastFailure: 'last-failure',
      fileState: 'file-state',
      image: 'image',
    })
    expect(names.snapshotIndexKey('app.db')).toEqual(['snapshots', 'app.db'])
    expect(names.snapshotChunkKey('app.db', 'id1', 2)).toEqual(['snapshot', 'app.db', 'id1', 2])
    expect(names.markerKey('app.db')).toEqual(['marker', 'app.db'])
    expect(names.fileStateKey('app.db')).toEqual(['file-state', 'app.db'])
    expect(names.imageKey('app.db')).toEqual(['image', 'app.db'])
    expect(names.imageChunkKey('app.db', 3)).toEqual(['image', 'app.db', 3])
    expect(names.lastFailureKey('app.db')).toEqual(['last-failure', 'app.db'])
    expect(names.IMAGE_CHUNK_BYTES).toBe(65536)
  })

  it('keep the format of each record (raised only with a reader for the new format, see record-format.ts)', () => {
    expect(names.FORMAT_VERSION).toEqual({ snapshotIndex: 1, marker: 1, lastFailure: 1, fileState: 1, image: 1 })
  })

  it('keep the lock and channel names tabs of every release share', () => {
    expect(names.lockName('app.db')).toBe('sqlite-opfs-migrate:app.db')
    expect(names.tabLockPrefix('app.db')).toBe('sqlite-opfs-migrate:app.db:tab:')
    expect(names.tabLockName('app.db', 5, 't1')).toBe('sqlite-opfs-migrate:app.db:tab:5:t1')
    expect(names.brokenLockName('app.db', 't1')).toBe('sqlite-opfs-migrate:app.db:broken:t1')
    expect(names.workerLockName('t1')).toBe('sqlite-opfs-migrate/worker/t1')
    expect(names.tabChannelName('app.db')).toBe('sqlite-opfs-migrate:app.db')
  })

  it('keep the history table name', () => {
    expect(names.HISTORY_TABLE).toBe('schema_migrations')
  })

  it('pins every export (a new stored name gets a pin above)', () => {
    expect(Object.keys(names).sort()).toEqual(
      [
        'FORMAT_VERSION',
        'HISTORY_TABLE',
        'IMAGE_CHUNK_BYTES',
        'OPFS_ROOT_DIRECTORY',
        'RECORD',
        'SAHPOOL_HEADER_BYTES',
        'SAHPOOL_VFS_NAME',
        'SNAPSHOT_IDB',
        'brokenLockName',
        'fileStateKey',
        'imageChunkKey',
        'imageKey',
        'lastFailureKey',
        'lockName',
        'markerKey',
        'opfsPoolDirectory',
        'snapshotChunkKey',
        'snapshotIndexKey',
        'tabChannelName',
        'tabLockName',
        'tabLockPrefix',
        'workerLockName',
      ].sort(),
    )
  })
})
