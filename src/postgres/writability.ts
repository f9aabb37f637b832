/**
 * Whether the PostgreSQL store would take a write now, found without writing: a standby (in
 * recovery) or a read-only session refuses every write, while reads and so the rest of `/ready` work.
 */
import type { StoreWritability } from '../store/store.js';
import type { PostgresAccess } from './access.js';

/** One round trip; both are settings of the session, so no table is read or locked. */
export const WRITABILITY_READ = `SELECT pg_is_in_recovery() AS in_recovery, current_setting('transaction_read_only') AS read_only`;

interface WritabilityRow {
  in_recovery: boolean;
  read_only: string;
}

/** See `Store.storeWritableCheck`. */
export async function postgresWritability(db: PostgresAccess): Promise<StoreWritability> {
  const { displayUrl } = db;
  const row = await db.one<WritabilityRow>(db.pool, WRITABILITY_READ, []);
  if (row?.in_recovery === true) {
    return {
      writable: false,
      fault: 'read-only',
      problem: `The PostgreSQL server at ${displayUrl} is a standby (in recovery) and refuses writes. Point Conveyor at the primary.`,
    };
  }
  if (row?.read_only === 'on') {
    return {
      writable: false,
      fault: 'read-only',
      problem:
        `Sessions on the PostgreSQL server at ${displayUrl} are read-only (default_transaction_read_only is on for this role, database or server). ` +
        'Turn it off for the role Conveyor logs in as, or give Conveyor a role that may write.',
    };
  }
  return { writable: true, detail: `the PostgreSQL server at ${displayUrl} is a primary and this session may write` };
}
