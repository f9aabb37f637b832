/**
 * What each store's test file hands to the shared conformance suite (`store-conformance.ts`):
 * a store on a fresh database, a way to open a second one on the same database, and the
 * test-only access to the migration history the suite needs to fake a newer or edited database.
 */
import type { AppliedMigration, Store } from '../store/store.js';

export interface StoreHarness {
  /** A fresh, unmigrated store on a fresh database. */
  store: Store;
  /** A second store on the same database, as another process would open it. */
  openAnother(): Promise<Store>;
  /**
   * Direct access to the migration-history table, bypassing the store, so the suite can fake a
   * database migrated by a newer package or a migration edited after it was applied.
   */
  migrationHistory: {
    /** Add a history row as if the migration had been applied now. */
    insert(row: { version: number; name: string; checksum: string }): Promise<void>;
    setChecksum(version: number, checksum: string): Promise<void>;
    /**
     * Every history row, lowest version first. `Store` has no method that reads the history
     * itself, and without this the suite could not check that concurrent migrations applied
     * each version once, or that a second run left the history alone.
     */
    list(): Promise<AppliedMigration[]>;
  };
  /** Close every store this harness opened and delete the database. */
  destroy(): Promise<void>;
}

/** Called once per test; every harness holds a database no other test sees. */
export type StoreHarnessFactory = () => Promise<StoreHarness>;

/**
 * A row of a store's migration-history table as a harness reads it, bypassing the store, before it
 * becomes an `AppliedMigration`. `AppliedAt` is what the database driver hands back for
 * `applied_at`: epoch milliseconds from SQLite, a `Date` from PostgreSQL.
 */
export interface MigrationRow<AppliedAt extends number | Date> {
  version: number;
  name: string;
  checksum: string;
  applied_at: AppliedAt;
}
