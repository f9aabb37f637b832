/**
 * The claim-cost fixtures: a Conveyor store with `queued` jobs waiting and `finished` succeeded jobs in
 * its history, filled by one set-based INSERT each (fixture building, not what is measured), then
 * opened through the store for the measurement. SQLite on a fresh file, PostgreSQL in a fresh schema.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from '../../src/postgres/index.js';
import { openSqliteStore } from '../../src/sqlite/index.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabase } from '../shared.js';
import { removeSqliteFile } from './adapters/conveyor-sqlite.js';
import { analyzeSchema, dropSchema, freshSchemaName, quoteIdentifier } from './postgres-admin.js';

export const SCALE_TASK = 'scale.noop';
export const SCALE_QUEUE = 'default';

export interface Fixture {
  store: Store;
  /** Close the store and delete the fixture. */
  remove(): Promise<void>;
}

const SQLITE_FILL = `
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, attempt, max_attempts, created_at, updated_at, started_at, finished_at, result)
SELECT @task, @queue, '{}', @state, 0, @now - @count + i, @attempt, 5, @now - @count + i, @now, @finishedAt, @finishedAt, @result FROM n`;

export async function sqliteFixture(queued: number, finished: number): Promise<Fixture> {
  const path = await freshDatabase();
  const db = new Database(path);
  const fill = db.prepare(SQLITE_FILL);
  const now = Date.now();
  db.transaction(() => {
    if (finished > 0) fill.run({ count: finished, task: SCALE_TASK, queue: SCALE_QUEUE, state: 'succeeded', now, attempt: 1, finishedAt: now, result: 'null' });
    fill.run({ count: queued, task: SCALE_TASK, queue: SCALE_QUEUE, state: 'queued', now, attempt: 0, finishedAt: null, result: null });
  })();
  db.exec('ANALYZE');
  db.close();
  const store = openSqliteStore({ path });
  return {
    store,
    async remove() {
      await store.close();
      removeSqliteFile(path);
    },
  };
}

function postgresFill(schema: string): string {
  return `
INSERT INTO ${quoteIdentifier(schema)}.jobs (task, queue, input, state, priority, run_at, attempt, max_attempts, created_at, updated_at, started_at, finished_at, result)
SELECT $2, $3, '{}', $4, 0, now() - make_interval(secs => (($1 - i) / 1000.0)::float8), $5, 5, now() - make_interval(secs => (($1 - i) / 1000.0)::float8), now(),
       CASE WHEN $4 = 'succeeded' THEN now() END, CASE WHEN $4 = 'succeeded' THEN now() END, CASE WHEN $4 = 'succeeded' THEN 'null'::json END
FROM generate_series(1, $1::int) AS i`;
}

export async function postgresFixture(url: string, queued: number, finished: number): Promise<Fixture> {
  const schema = freshSchemaName(url, 'scale');
  const store = openPostgresStore({ url, schema });
  try {
    await store.migrations.run({ now: new Date() });
    const client = new pg.Client({ connectionString: url, application_name: 'conveyor-compare-fixture' });
    await client.connect();
    try {
      if (finished > 0) await client.query(postgresFill(schema), [finished, SCALE_TASK, SCALE_QUEUE, 'succeeded', 1]);
      await client.query(postgresFill(schema), [queued, SCALE_TASK, SCALE_QUEUE, 'queued', 0]);
    } finally {
      await client.end();
    }
    await analyzeSchema(url, schema);
  } catch (error) {
    await store.close();
    await dropSchema(url, schema);
    throw error;
  }
  return {
    store,
    async remove() {
      await store.close();
      await dropSchema(url, schema);
    },
  };
}
