/**
 * The PostgreSQL step statements every `ctx.step` runs are named (prepared once per connection), as
 * the worker's other hot statements are: planned afresh, a step's save cost 2.2× as much.
 */
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describePostgres, dropSchema, freshSchemaName, quoteIdentifier, TEST_POSTGRES_URL } from '../testing/postgres-env.js';
import { openPostgresStore } from './index.js';
import { PostgresStore } from './postgres-store.js';

describePostgres('postgres steps', () => {
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

  it('saves and lists steps through statements prepared on the connection', async () => {
    // One connection, so the statements the store prepared are the ones this pool sees.
    const pool = new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 1 });
    const store = new PostgresStore({ pool, clientConfig: { connectionString: TEST_POSTGRES_URL }, schema, displayUrl: 'test', logger: null });
    try {
      const { rows } = await pool.query<{ id: string }>(`
INSERT INTO ${quoteIdentifier(schema)}.jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at, attempt, worker_id)
VALUES ('t', 'q', '{}', 'running', 0, now(), 3, now(), now(), 1, 'w') RETURNING id`);
      const jobId = String(rows[0]!.id);
      const now = new Date();
      const step = { jobId, name: 's0', kind: 'run', status: 'succeeded', attempt: 1, output: '{"value":0}', error: null, startedAt: now, finishedAt: now, until: null, event: null, match: null } as const;
      expect(await store.steps.save({ step, workerId: 'w', now })).toBe(true);
      expect((await store.steps.list({ jobId })).map((saved) => saved.name)).toEqual(['s0']);
      const prepared = (await pool.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map((row) => row.statement);
      expect(prepared.some((text) => text.includes(`INSERT INTO ${quoteIdentifier(schema)}.job_steps`))).toBe(true);
      expect(prepared.some((text) => text.startsWith(`SELECT`) && text.includes(`FROM ${quoteIdentifier(schema)}.job_steps WHERE job_id = $1`))).toBe(true);
    } finally {
      await store.close();
    }
  });
});
