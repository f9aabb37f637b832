/**
 * `conveyor/sqlite`: the SQLite store. Imported only from this subpath, so `import … from 'conveyor'`
 * never loads better-sqlite3.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConveyorConfigError } from '../errors.js';
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
 * `migrationRun` when it starts.
 *
 * @example
 * const store = openSqliteStore({ path: './data/conveyor.db' });
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { path, busyTimeoutMs = 5000, synchronous = 'full' } = options;
  validateOptions(path, busyTimeoutMs, synchronous);
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    // WAL lets readers (dashboards, other workers) run while a worker writes.
    db.pragma(sql.PRAGMA_JOURNAL_MODE_WAL);
    db.pragma(SYNCHRONOUS_PRAGMAS[synchronous]);
    db.pragma(sql.PRAGMA_FOREIGN_KEYS_ON);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db);
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
