/**
 * A PostgreSQL server that answers but refuses writes (issue 13, item 7): sessions made read-only
 * for real, on the test server, through the URL's `options`. `storeWritableCheck` (what `/ready`
 * asks) says so, and a write fails with a `ConveyorStoreFaultError` the API answers with 503.
 */
import { afterEach, expect, it } from 'vitest';
import { ConveyorStoreFaultError } from '../store/store-fault.js';
import type { Store } from '../store/store.js';
import { describePostgres, freshTestSchema, type TestSchema } from '../testing/postgres-env.js';
import { openPostgresStore } from './index.js';

describePostgres('a PostgreSQL store whose sessions are read-only', () => {
  let schema: TestSchema;
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await schema.drop();
  });

  it('says it cannot take writes, naming the setting and what to do, and a write is a read-only fault', async () => {
    schema = freshTestSchema();
    const writable = openPostgresStore({ url: schema.storeUrl });
    stores.push(writable);
    await writable.migrations.run({ now: new Date() });
    expect(await writable.storeWritableCheck()).toMatchObject({ writable: true });

    const url = new URL(schema.storeUrl);
    url.searchParams.set('options', '-c default_transaction_read_only=on');
    const readOnly = openPostgresStore({ url: url.toString() });
    stores.push(readOnly);
    const found = await readOnly.storeWritableCheck();
    expect(found).toMatchObject({ writable: false, fault: 'read-only' });
    expect(found.writable === false && found.problem).toMatch(/^Sessions on the PostgreSQL server at postgres:\/\/.* are read-only \(default_transaction_read_only is on for this role, database or server\)\. Turn it off for the role Conveyor logs in as/);

    const write = readOnly.workers.deregister({ id: 'nobody' });
    await expect(write).rejects.toBeInstanceOf(ConveyorStoreFaultError);
    await expect(write).rejects.toMatchObject({ fault: 'read-only' });
    await expect(write).rejects.toThrow(/refused a write: cannot execute DELETE in a read-only transaction\. It refuses writes \(a standby, or default_transaction_read_only on\): point Conveyor at the primary/);
  });
});
