/**
 * Migration 19 (kept job counts) on a schema at version 18 that holds jobs in every state: the counts
 * it starts from are those of the rows, its failed and dead jobs get their fingerprints written when
 * asked, and a job written through another session afterwards (one
 * with no search_path set, as any app's would be) changes them.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { latestErrorFingerprint } from '../store/failure-fingerprints.js';
import { KEPT_COUNT_STATES } from '../store/kept-counts.js';
import { describePostgres, dropSchema, freshSchemaName, quoteIdentifier, TEST_POSTGRES_URL, withPostgresClient } from '../testing/postgres-env.js';
import { openPostgresStore } from './index.js';
import { migrations } from './migrations.generated.js';
import { postgresQueries } from './queries.js';

describePostgres('postgres migration 19 (kept job counts)', () => {
  let schema: string;

  beforeEach(() => {
    schema = freshSchemaName();
  });

  afterEach(async () => {
    await dropSchema(schema);
  });

  it('starts the kept counts from the jobs already there, and keeps them from then on', async () => {
    const s = quoteIdentifier(schema);
    const sql = postgresQueries(schema);
    const insertJob = (state: string, task: string) =>
      `INSERT INTO ${s}.jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at)
       VALUES ('${task}', 'q', '{}', '${state}', 0, now(), 3, now(), now())`;
    await withPostgresClient(async (client) => {
      await client.query('BEGIN');
      await client.query(sql.SCHEMA_CREATE);
      await client.query(sql.MIGRATIONS_TABLE_CREATE);
      await client.query(sql.SEARCH_PATH_SET);
      for (const migration of migrations.filter((m) => m.version <= 18)) {
        await client.query(migration.sql);
        await client.query(sql.MIGRATION_RECORD, [migration.version, migration.name, migration.checksum, new Date()]);
      }
      await client.query('COMMIT');
      for (const state of ['waiting', 'scheduled', 'queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled']) await client.query(insertJob(state, 'a'));
      await client.query(insertJob('dead', 'a'));
      await client.query(insertJob('dead', 'b'));
    });

    const store = openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    try {
      await store.migrations.run({ now: new Date() });
      const expected = [
        { task: 'a', queue: 'q', state: 'cancelled', count: 1 },
        { task: 'a', queue: 'q', state: 'dead', count: 2 },
        { task: 'a', queue: 'q', state: 'failed', count: 1 },
        { task: 'a', queue: 'q', state: 'scheduled', count: 1 },
        { task: 'a', queue: 'q', state: 'waiting', count: 1 },
        { task: 'b', queue: 'q', state: 'dead', count: 1 },
      ];
      expect(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] })).toEqual(expected);

      // Failed and dead jobs from before the migration have no fingerprint until one is written for them.
      const none = latestErrorFingerprint(undefined).fingerprint;
      const failures = (fingerprint: string | null) => [
        { fingerprint, task: 'a', queue: 'q', state: 'dead', count: 2 },
        { fingerprint, task: 'a', queue: 'q', state: 'failed', count: 1 },
        { fingerprint, task: 'b', queue: 'q', state: 'dead', count: 1 },
      ];
      expect(await store.jobs.countFailures()).toEqual(failures(null));
      expect(await store.jobs.fingerprintFailures({ limit: 100 })).toBe(4);
      expect(await store.jobs.foldKeptCounts({ limit: 100 }), 'each fingerprint written moves a job out of the unfingerprinted group and into its own').toBe(8);
      expect(await store.jobs.countFailures()).toEqual(failures(none));
      expect(await store.jobs.fingerprintFailures({ limit: 100 })).toBe(0);
      await withPostgresClient(async (client) => {
        await client.query(insertJob('dead', 'b'));
        await client.query(`UPDATE ${s}.jobs SET state = 'queued' WHERE state = 'waiting'`);
        await client.query(`DELETE FROM ${s}.jobs WHERE state = 'cancelled'`);
      });
      const after = [
        { task: 'a', queue: 'q', state: 'dead', count: 2 },
        { task: 'a', queue: 'q', state: 'failed', count: 1 },
        { task: 'a', queue: 'q', state: 'scheduled', count: 1 },
        { task: 'b', queue: 'q', state: 'dead', count: 2 },
      ];
      expect(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] }), 'before folding').toEqual(after);
      expect(await store.jobs.foldKeptCounts({ limit: 100 }), 'one dead job in, one waiting and one cancelled out').toBe(3);
      expect(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] }), 'after folding').toEqual(after);
    } finally {
      await store.close();
    }
  });
});
