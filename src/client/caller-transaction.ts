/**
 * `{ tx }` of `enqueue`, `enqueueMany` and `flows.enqueue`: the caller's own transaction, which only a
 * store that can join it accepts.
 */
import { ConveyorConfigError } from '../errors.js';
import type { CallerTransaction, Store } from '../store/store.js';

const TX_EXAMPLE = "const client = await pool.connect(); await client.query('BEGIN'); … { tx: client }; await client.query('COMMIT')";

/** The caller's transaction, checked: this store must be able to join it, and it must look like a client. */
export function checkCallerTransaction(store: Store, setting: string, tx: unknown): CallerTransaction | undefined {
  if (tx === undefined) return undefined;
  if (!store.capabilities.transactionalEnqueue) {
    throw new ConveyorConfigError(
      setting,
      `the ${store.dialect} store cannot join a caller's transaction (it writes through its own connection, so the job would not commit or roll back with yours); ` +
        'open Conveyor on a postgres:// store to enqueue inside your transaction, or drop { tx } and enqueue after your transaction commits',
      "Conveyor.open({ store: 'postgres://app@localhost:5432/app' }), then { tx: client }",
    );
  }
  if (typeof tx !== 'object' || tx === null || typeof (tx as { query?: unknown }).query !== 'function') {
    throw new ConveyorConfigError(setting, `must be a database client inside a transaction you opened (an object with a query() function, such as a pg PoolClient after BEGIN), got ${describeValue(tx)}`, TX_EXAMPLE);
  }
  return tx as CallerTransaction;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys ${JSON.stringify(Object.keys(value).slice(0, 5))}`;
  return `${typeof value} ${String(value)}`;
}
