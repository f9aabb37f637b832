/**
 * The PostgreSQL store against the shared conformance suite: each test gets a fresh schema on the
 * test server (`CONVEYOR_TEST_PG_URL`), dropped afterwards, and a second store on the same schema
 * stands for another process. Skipped, with the reason, when no server is reachable
 * (`src/testing/postgres-env.ts`).
 */
import type pg from 'pg';
import type { Store } from '../store/store.js';
import {
  describePostgres,
  dropSchema,
  freshSchemaName,
  quoteIdentifier,
  TEST_POSTGRES_URL,
  withPostgresClient,
} from '../testing/postgres-env.js';
import { runStoreConformance } from '../testing/store-conformance.js';
import type { MigrationRow, StoreHarness } from '../testing/store-harness.js';
import { openPostgresStore } from './index.js';

async function createHarness(): Promise<StoreHarness> {
  const schema = freshSchemaName();
  const migrationsTable = `${quoteIdentifier(schema)}.migrations`;
  const stores: Store[] = [];
  const open = async (): Promise<Store> => {
    const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    stores.push(store);
    return store;
  };
  const store = await open();
  // Each edit of the history uses a connection of its own, bypassing the stores on purpose.
  const history = <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => withPostgresClient(work);
  return {
    store,
    openAnother: open,
    migrationHistory: {
      async insert(row) {
        await history((client) =>
          client.query(`INSERT INTO ${migrationsTable} (version, name, checksum, applied_at) VALUES ($1, $2, $3, now())`, [
            row.version,
            row.name,
            row.checksum,
          ]),
        );
      },
      async setChecksum(version, checksum) {
        const { rowCount } = await history((client) =>
          client.query(`UPDATE ${migrationsTable} SET checksum = $1 WHERE version = $2`, [checksum, version]),
        );
        if (rowCount !== 1) throw new Error(`The migration history has no version ${version} to edit.`);
      },
      async list() {
        return history(async (client) => {
          const { rows: found } = await client.query<{ table: string | null }>('SELECT to_regclass($1)::text AS table', [migrationsTable]);
          if (found[0]?.table == null) return [];
          const { rows } = await client.query<MigrationRow<Date>>(
            `SELECT version, name, checksum, applied_at FROM ${migrationsTable} ORDER BY version`,
          );
          return rows.map((row) => ({ version: row.version, name: row.name, checksum: row.checksum, appliedAt: row.applied_at }));
        });
      },
    },
    async destroy() {
      for (const opened of stores) await opened.close();
      await dropSchema(schema);
    },
  };
}

describePostgres('postgres store', () => {
  runStoreConformance({ name: 'postgres', createHarness });
});
