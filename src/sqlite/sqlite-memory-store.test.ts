/**
 * The in-memory SQLite store (`openSqliteStore({ path: ':memory:' })`, what `conveyor/testing` runs
 * on) against the shared conformance suite. A private in-memory database has one connection, so
 * "another process" is a second store on that same connection, and the migration history is read
 * through it too.
 */
import Database from 'better-sqlite3';
import type { Store } from '../store/store.js';
import { runStoreConformance } from '../testing/store-conformance.js';
import type { MigrationRow, StoreHarness } from '../testing/store-harness.js';
import * as sql from './queries.js';
import { SqliteStore } from './sqlite-store.js';

async function createHarness(): Promise<StoreHarness> {
  const db = new Database(':memory:');
  db.pragma(sql.PRAGMA_SYNCHRONOUS_FULL);
  db.pragma(sql.PRAGMA_FOREIGN_KEYS_ON);
  const stores: Store[] = [];
  const open = async (): Promise<Store> => {
    const store = new SqliteStore(db, null);
    stores.push(store);
    return store;
  };
  const store = await open();
  return {
    store,
    openAnother: open,
    migrationHistory: {
      async insert(row) {
        db.prepare('INSERT INTO conveyor_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(row.version, row.name, row.checksum, Date.now());
      },
      async setChecksum(version, checksum) {
        const { changes } = db.prepare('UPDATE conveyor_migrations SET checksum = ? WHERE version = ?').run(checksum, version);
        if (changes !== 1) throw new Error(`The migration history has no version ${version} to edit.`);
      },
      async list() {
        const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'conveyor_migrations'").get();
        if (table === undefined) return [];
        const rows = db.prepare('SELECT version, name, checksum, applied_at FROM conveyor_migrations ORDER BY version').all() as MigrationRow<number>[];
        return rows.map((row) => ({ version: row.version, name: row.name, checksum: row.checksum, appliedAt: new Date(row.applied_at) }));
      },
    },
    async destroy() {
      for (const opened of stores) await opened.close();
      if (db.open) db.close();
    },
  };
}

runStoreConformance({
  name: 'sqlite in memory',
  createHarness,
  skip: [
    {
      reason: 'an in-memory database belongs to one process: no other process can commit to it, so it runs no change watcher and sends no cross-process notices',
      tests: [
        "noticeListen > another store hears a running job's cancel request, once, however many commits follow",
        'noticeListen > a store without notices of facts tells another process that it committed, and not itself',
      ],
    },
  ],
});
