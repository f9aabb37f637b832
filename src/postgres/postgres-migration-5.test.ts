/**
 * Migration 5 (flows) on a schema at version 4 that holds jobs: the rows come through with no flow,
 * the widened state check takes 'waiting' and still refuses what is not a state, and the table is
 * not rewritten (its file stays the same), so the migration stays cheap on a big table.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describePostgres, dropSchema, freshSchemaName, quoteIdentifier, TEST_POSTGRES_URL, withPostgresClient } from '../testing/postgres-env.js';
import { openPostgresStore } from './index.js';
import { migrations } from './migrations.generated.js';
import { postgresQueries } from './queries.js';

describePostgres('postgres migration 5 (flows)', () => {
  let schema: string;

  beforeEach(() => {
    schema = freshSchemaName();
  });

  afterEach(async () => {
    await dropSchema(schema);
  });

  it('keeps every job, adds the flow columns without rewriting the table, and lets jobs wait', async () => {
    const s = quoteIdentifier(schema);
    const sql = postgresQueries(schema);
    const before = await withPostgresClient(async (client) => {
      // Migrations 1–4 as `migrations.run` applies them, then a job written at version 4.
      await client.query('BEGIN');
      await client.query(sql.SCHEMA_CREATE);
      await client.query(sql.MIGRATIONS_TABLE_CREATE);
      await client.query(sql.SEARCH_PATH_SET);
      for (const migration of migrations.filter((m) => m.version <= 4)) {
        await client.query(migration.sql);
        await client.query(sql.MIGRATION_RECORD, [migration.version, migration.name, migration.checksum, new Date()]);
      }
      await client.query('COMMIT');
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO ${s}.jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at)
         VALUES ('t', 'q', '{"n":1}', 'queued', 0, now(), 3, now(), now()) RETURNING id`,
      );
      const file = await client.query<{ file: string }>(`SELECT pg_relation_filenode('${s}.jobs')::text AS file`);
      return { id: rows[0]?.id ?? '', file: file.rows[0]?.file };
    });

    const store = openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    try {
      // Migration 5 and every later one run together.
      expect(await store.migrations.run({ now: new Date() })).toMatchObject({ databaseVersion: Math.max(...migrations.map((m) => m.version)), pending: [] });
      expect(await store.jobs.get({ id: before.id })).toMatchObject({ task: 't', state: 'queued', flowId: null, parentId: null, onChildFailure: 'fail' });
    } finally {
      await store.close();
    }

    await withPostgresClient(async (client) => {
      const file = await client.query<{ file: string }>(`SELECT pg_relation_filenode('${s}.jobs')::text AS file`);
      expect(file.rows[0]?.file, 'the jobs table file after migration 5').toBe(before.file);
      await client.query(`UPDATE ${s}.jobs SET state = 'waiting' WHERE id = $1`, [before.id]);
      await expect(client.query(`UPDATE ${s}.jobs SET state = 'sleeping' WHERE id = $1`, [before.id])).rejects.toThrow(/jobs_state_check/);
      await expect(client.query(`UPDATE ${s}.jobs SET on_child_failure = 'ignore' WHERE id = $1`, [before.id])).rejects.toThrow(/on_child_failure/);
    });
  });
});
