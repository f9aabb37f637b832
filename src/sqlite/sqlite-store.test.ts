/**
 * The SQLite store against the shared conformance suite: each test gets its own database file in
 * a fresh temporary directory, and a second store on the same file stands for another process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../store/store.js';
import { runStoreConformance } from '../testing/store-conformance.js';
import type { MigrationRow, StoreHarness } from '../testing/store-harness.js';
import { openSqliteStore } from './index.js';

async function createHarness(): Promise<StoreHarness> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-sqlite-test-'));
  const databasePath = path.join(directory, 'conveyor.db');
  const stores: Store[] = [];
  const open = async (): Promise<Store> => {
    const store = await openSqliteStore({ path: databasePath });
    stores.push(store);
    return store;
  };
  const store = await open();
  // Opened after the store, so the store creates the file its own way; kept apart from the
  // stores' connections because it bypasses them on purpose.
  let tamper: Database.Database | null = null;
  const history = (): Database.Database => {
    if (tamper === null) {
      tamper = new Database(databasePath);
      tamper.pragma('busy_timeout = 5000');
    }
    return tamper;
  };
  return {
    store,
    openAnother: open,
    migrationHistory: {
      async insert(row) {
        history()
          .prepare('INSERT INTO conveyor_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)')
          .run(row.version, row.name, row.checksum, Date.now());
      },
      async setChecksum(version, checksum) {
        const { changes } = history()
          .prepare('UPDATE conveyor_migrations SET checksum = ? WHERE version = ?')
          .run(checksum, version);
        if (changes !== 1) throw new Error(`The migration history has no version ${version} to edit.`);
      },
      async list() {
        const table = history()
          .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'conveyor_migrations'")
          .get();
        if (table === undefined) return [];
        const rows = history()
          .prepare('SELECT version, name, checksum, applied_at FROM conveyor_migrations ORDER BY version')
          .all() as MigrationRow<number>[];
        return rows.map((row) => ({
          version: row.version,
          name: row.name,
          checksum: row.checksum,
          appliedAt: new Date(row.applied_at),
        }));
      },
    },
    async destroy() {
      for (const opened of stores) await opened.close();
      tamper?.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

runStoreConformance({ name: 'sqlite', createHarness });
