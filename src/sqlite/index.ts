/**
 * `conveyor/sqlite`: the SQLite store. Imported only from this subpath, so `import … from 'conveyor'`
 * never loads better-sqlite3.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConveyorConfigError } from '../errors.js';
import { asSqliteFault, SqliteFile } from './file-health.js';
import * as sql from './queries.js';
import { SqliteStore } from './sqlite-store.js';

export type { SqliteStore } from './sqlite-store.js';

/** Where and how to open the SQLite file. */
export interface SqliteStoreOptions {
  /** Path of the database file (its folder is created if missing), or `:memory:` for a private in-memory database. */
  path: string;
  /**
   * How long a write waits for another process's write to finish before failing with SQLITE_BUSY.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * `full` syncs the WAL on every commit, so a committed job survives a power cut; `normal` syncs
   * only at checkpoints: faster, and a power cut may lose the last commits (never corrupts the file).
   * @default 'full'
   */
  synchronous?: 'full' | 'normal';
}

const SYNCHRONOUS_PRAGMAS = {
  full: sql.PRAGMA_SYNCHRONOUS_FULL,
  normal: sql.PRAGMA_SYNCHRONOUS_NORMAL,
} as const;

/**
 * Opens (creating if needed) a SQLite database for Conveyor. It does not migrate: the engine calls
 * `migrations.run` when it starts.
 *
 * @example
 * const store = openSqliteStore({ path: './data/conveyor.db' });
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { path, busyTimeoutMs = 5000, synchronous = 'full' } = options;
  validateOptions(path, busyTimeoutMs, synchronous);
  const file = path === ':memory:' ? null : resolve(path);
  if (file !== null) createPrivately(file);
  const db = openDatabase(path, file, busyTimeoutMs);
  try {
    // WAL lets readers (dashboards, other workers) run while a worker writes.
    db.pragma(sql.PRAGMA_JOURNAL_MODE_WAL);
    db.pragma(SYNCHRONOUS_PRAGMAS[synchronous]);
    db.pragma(sql.PRAGMA_FOREIGN_KEYS_ON);
    return new SqliteStore(db, file === null ? null : new SqliteFile(file));
  } catch (error) {
    db.close();
    // A file that is not a database (or is corrupt) fails here first: say so, naming it, not with a stack.
    throw asSqliteFault(error, file ?? path);
  }
}

function openDatabase(path: string, file: string | null, busyTimeoutMs: number): Database.Database {
  try {
    return new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw asSqliteFault(error, file ?? path);
  }
}

/**
 * Jobs hold what applications put in them (addresses, tokens, documents): a folder Conveyor creates
 * is the owner's only (0700), and so is a new database file (0600); SQLite gives its -wal and -shm
 * files the database file's mode. An existing folder or file keeps the mode its owner chose.
 */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    // Already there (or created by another process this instant): SQLite opens it as it is.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw asSqliteFault(error, file);
  }
}

function validateOptions(path: unknown, busyTimeoutMs: unknown, synchronous: unknown): void {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new ConveyorConfigError('sqlite path', `must be a file path, got ${JSON.stringify(path)}`, `'./data/conveyor.db' or ':memory:'`);
  }
  if (typeof busyTimeoutMs !== 'number' || !Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ConveyorConfigError('sqlite busyTimeoutMs', `must be a whole number of milliseconds >= 0, got ${String(busyTimeoutMs)}`, '5000');
  }
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new ConveyorConfigError('sqlite synchronous', `must be 'full' or 'normal', got ${JSON.stringify(synchronous)}`, `'full'`);
  }
}
