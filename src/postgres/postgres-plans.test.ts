/**
 * Query plans on tables with enough rows that a scan would be cheaper than nothing.
 *
 * The generic plan of `JOB_CLAIM`, the named statement every worker runs per claim: PostgreSQL may
 * keep it after five runs, so it must reach jobs and paused queues through their indexes whatever
 * the values. Checked with `plan_cache_mode = force_generic_plan` on tables with enough rows that a
 * scan would be cheaper than nothing.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describePostgres, dropSchema, freshSchemaName, quoteIdentifier, TEST_POSTGRES_URL, withPostgresClient } from '../testing/postgres-env.js';
import { openPostgresStore } from './index.js';
import { flowQueries } from './flow-queries.js';
import { postgresQueries } from './queries.js';

describePostgres('postgres query plans', () => {
  let schema: string;

  beforeEach(async () => {
    schema = freshSchemaName();
    const store = openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    try {
      await store.migrations.run({ now: new Date() });
    } finally {
      await store.close();
    }
  });

  afterEach(async () => {
    await dropSchema(schema);
  });

  it('the generic claim plan walks the claim index per running queue and looks paused queues up by key', async () => {
    const s = quoteIdentifier(schema);
    const plan = await withPostgresClient(async (client) => {
      await client.query(`
INSERT INTO ${s}.jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at)
SELECT 't', 'q' || (i % 5), '{}', CASE WHEN i % 3 = 0 THEN 'succeeded' ELSE 'queued' END, 0, now(), 3, now(), now()
FROM generate_series(1, 20000) AS i`);
      await client.query(`INSERT INTO ${s}.queues (name, paused_at, updated_at) SELECT 'x' || i, CASE WHEN i % 2 = 0 THEN now() END, now() FROM generate_series(1, 2000) AS i`);
      await client.query(`INSERT INTO ${s}.queues (name, paused_at, updated_at) VALUES ('q1', now(), now())`);
      await client.query(`ANALYZE ${s}.jobs`);
      await client.query(`ANALYZE ${s}.queues`);
      await client.query(`PREPARE claim(text[], text[], timestamptz, int, text, timestamptz) AS ${postgresQueries(schema).JOB_CLAIM}`);
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query('BEGIN');
      try {
        const result = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE claim(ARRAY['q0', 'q1', 'q2'], ARRAY['t'], now(), 10, 'w', now() + interval '1 minute')`,
        );
        return result.rows.map((row) => row['QUERY PLAN']).join('\n');
      } finally {
        await client.query('ROLLBACK');
      }
    });
    expect(plan).toMatch(/Index Scan using queues_pkey on queues/);
    expect(plan).toMatch(/Index Scan using jobs_claim_idx on jobs/);
    expect(plan).toMatch(/Index Scan using jobs_pkey on jobs job/);
    expect(plan).not.toMatch(/Seq Scan|Hash/);
    // The paused queue q1 was dropped before its walk: the claim index was walked for q0 and q2 only.
    expect(plan).toMatch(/Index Scan using jobs_claim_idx on jobs \(actual rows=\d+ loops=2\)/);
  });

  it('counting jobs finished since a time range-scans the finished index per final state', async () => {
    const s = quoteIdentifier(schema);
    const plan = await withPostgresClient(async (client) => {
      // A day of finished jobs, one every four seconds per state, and a few unfinished ones.
      await client.query(`
INSERT INTO ${s}.jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at, finished_at)
SELECT 't', 'q' || (i % 5), '{}', (ARRAY['succeeded', 'dead', 'cancelled', 'queued'])[i % 4 + 1], 0, now(), 3, now(), now(),
  CASE WHEN i % 4 < 3 THEN now() - i * interval '1 second' END
FROM generate_series(1, 86400) AS i`);
      await client.query(`ANALYZE ${s}.jobs`);
      const explain = async (text: string) => (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${text}`)).rows.map((row) => row['QUERY PLAN']).join('\n');
      const queries = postgresQueries(schema);
      return {
        since: await explain(queries.JOB_COUNT_FINISHED_SINCE.replaceAll('$1', "(now() - interval '1 minute')")),
        byInterval: await explain(
          queries.JOB_COUNT_FINISHED_BY_INTERVAL.replaceAll('$1', "(now() - interval '1 hour')").replaceAll('$2', 'now()').replaceAll('$3', '300000'),
        ),
      };
    });
    for (const text of [plan.since, plan.byInterval]) {
      for (const state of ['succeeded', 'dead', 'cancelled']) {
        expect(text).toContain(`Index Cond: ((state = '${state}'::text) AND (finished_at >= `);
      }
      expect(text.match(/Index Scan using jobs_finished_idx on jobs|Bitmap Index Scan on jobs_finished_idx/g)).toHaveLength(3);
      expect(text).not.toMatch(/Seq Scan/);
    }
  });

  it('counting jobs by group reads each unfinished state, and dead and cancelled, through an index, never the succeeded history', async () => {
    const s = quoteIdentifier(schema);
    const plans = await withPostgresClient(async (client) => {
      // 100,000 succeeded jobs of history and a few in every other state.
      await client.query(`
INSERT INTO ${s}.jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at, finished_at, worker_id)
SELECT 't', 'q' || (i % 5), '{}'::json, 'succeeded', 0, now(), 3, now(), now(), now(), NULL FROM generate_series(1, 100000) AS i
UNION ALL
SELECT 't', 'q' || (i % 5), '{}', (ARRAY['waiting', 'scheduled', 'queued', 'running', 'failed', 'dead', 'cancelled'])[i % 7 + 1], 0, now(), 3, now(), now(),
  CASE WHEN i % 7 >= 5 THEN now() END, CASE WHEN i % 7 = 3 THEN 'w' END
FROM generate_series(1, 700) AS i`);
      // VACUUM as autovacuum would: it marks the pages all-visible, which an index-only scan needs.
      await client.query(`VACUUM ANALYZE ${s}.jobs`);
      const plans = new Map<string, string>();
      for (const state of ['waiting', 'scheduled', 'queued', 'running', 'failed', 'dead', 'cancelled']) {
        // As the store sends it: unnamed, so planned with the value.
        const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${postgresQueries(schema).JOB_COUNT_IN_STATE.replace('$1', `'${state}'`)}`);
        plans.set(state, result.rows.map((row) => row['QUERY PLAN']).join('\n'));
      }
      return plans;
    });
    for (const [state, plan] of plans) {
      expect(plan, state).toMatch(/Index Scan|Index Only Scan|Bitmap Index Scan/);
      expect(plan, state).not.toMatch(/Seq Scan/);
    }
    // The pages read the states that pile up (failed, dead, cancelled) from the kept counts
    // (migration 19), not through this statement; which index it takes for them depends on how much
    // of the table VACUUM could mark all-visible while other tests run, so only "an index" is required.
  });

  it('settling a parent checks its unfinished children through jobs_unfinished_child_idx, never walking the finished ones', async () => {
    const s = quoteIdentifier(schema);
    const plan = await withPostgresClient(async (client) => {
      // A fan-in half done: 5,000 children succeeded, 5,000 queued.
      await client.query(`
INSERT INTO ${s}.jobs (id, task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at, has_children)
OVERRIDING SYSTEM VALUE VALUES (100000, 'root', 'q', '{}', 'waiting', 0, now(), 1, now(), now(), true)`);
      await client.query(`
INSERT INTO ${s}.jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at, parent_id, flow_id, finished_at)
SELECT 'leaf', 'q', '{}', CASE WHEN i <= 5000 THEN 'succeeded' ELSE 'queued' END, 0, now(), 1, now(), now(), 100000, 100000,
  CASE WHEN i <= 5000 THEN now() END
FROM generate_series(1, 10000) AS i`);
      await client.query(`ANALYZE ${s}.jobs`);
      const queries = flowQueries(schema);
      const decision = `'${JSON.stringify([{ id: 100000, outcome: 'release', failed_child_id: null, error: null }])}'`;
      const statements = [queries.JOB_SETTLE_PLAN.replaceAll('$1', 'ARRAY[100000]::bigint[]'), queries.JOB_SETTLE_APPLY.replaceAll('$1', decision).replaceAll('$2', 'now()')];
      const plans: string[] = [];
      for (const statement of statements) {
        const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${statement}`);
        plans.push(result.rows.map((row) => row['QUERY PLAN']).join('\n'));
      }
      return plans;
    });
    for (const each of plan) {
      expect(each).toMatch(/Index (Only )?Scan using jobs_unfinished_child_idx on jobs child(_\d+)? \(actual rows=1 loops=1\)/);
      expect(each).not.toMatch(/Seq Scan/);
    }
  });
});
