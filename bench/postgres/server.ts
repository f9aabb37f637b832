/**
 * The PostgreSQL server a bench run uses. Every measurement gets its own schema (`bench_<pid>_<n>`),
 * migrated by the store itself and dropped afterwards, also when the measurement fails; `close()`
 * drops whatever is left. A small admin pool does setup and read-back, never the measured work.
 */
import pg from 'pg';
import { parseStoreUrl, redactStoreUrl } from '../../src/config.js';
import { openPostgresStore } from '../../src/postgres/index.js';
import { postgresQueries, quoteIdentifier, type PostgresQueries } from '../../src/postgres/queries.js';
import { BenchSetupError } from '../setup-error.js';
import { TASK } from '../shared.js';
import { insertRecords } from './jobs.js';

/** One measurement's schema: where both sides find it, and the store's statements for it. */
export interface BenchSchema {
  name: string;
  /** `postgres://…?schema=<name>`, for `Conveyor.open({ store })`. */
  storeUrl: string;
  /** The connection string for raw pools (no `schema` parameter: that one is Conveyor's). */
  connectionString: string;
  sql: PostgresQueries;
}

/** The settings the environment line reports, read from the server. */
export interface ServerEnvironment {
  version: string;
  fsync: string;
  synchronousCommit: string;
  walSyncMethod: string;
}

const SEED_CHUNK = 1000;
/** A drop waits at most this long for a lock held by a connection that is still closing. */
const DROP_LOCK_TIMEOUT = '10s';

/** The jobs of one task with an `input.n` ≥ 0 (warm-up jobs have n < 0): when each was enqueued and when its handler started. */
function latencyQuery(schema: string): string {
  return `
SELECT (input->>'enqueuedAt')::float8 AS enqueued_at, (result->>'startedAt')::float8 AS started_at
FROM ${quoteIdentifier(schema)}.jobs
WHERE task = $1 AND state = 'succeeded' AND (input->>'n')::int >= 0`;
}

export class BenchServer {
  private readonly live = new Set<string>();
  private schemasMade = 0;

  private constructor(
    /** The URL as given, without any `schema` parameter. */
    private readonly connectionString: string,
    private readonly admin: pg.Pool,
  ) {}

  /** Check the URL and that the server answers; a `BenchSetupError` says what is wrong. */
  static async connect(url: string): Promise<BenchServer> {
    const location = parseStoreUrl(url, '--store');
    if (location.dialect !== 'postgres') throw new BenchSetupError(`--store must be a postgres:// URL, got ${JSON.stringify(url)}`);
    const admin = new pg.Pool({ connectionString: location.url, max: 2, application_name: 'conveyor-bench-admin' });
    admin.on('error', () => undefined); // an idle admin connection dropped: the next query opens another
    try {
      await admin.query('SELECT 1');
    } catch (error) {
      await admin.end();
      throw new BenchSetupError(`cannot reach PostgreSQL at ${redactStoreUrl(location.url)}: ${(error as Error).message}`);
    }
    return new BenchServer(location.url, admin);
  }

  async environment(): Promise<ServerEnvironment> {
    const setting = async (name: string): Promise<string> => ((await this.admin.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[name]!;
    return {
      version: await setting('server_version'),
      fsync: await setting('fsync'),
      synchronousCommit: await setting('synchronous_commit'),
      walSyncMethod: await setting('wal_sync_method'),
    };
  }

  /** Run `measure` on a fresh, migrated schema, dropped afterwards whatever happens. */
  async withSchema<T>(measure: (schema: BenchSchema) => Promise<T>): Promise<T> {
    this.schemasMade += 1;
    const name = `bench_${process.pid}_${this.schemasMade}`;
    this.live.add(name);
    try {
      const store = openPostgresStore({ url: this.connectionString, schema: name });
      try {
        await store.migrations.run({ now: new Date() });
      } finally {
        await store.close();
      }
      const storeUrl = new URL(this.connectionString);
      storeUrl.searchParams.set('schema', name);
      return await measure({ name, storeUrl: storeUrl.toString(), connectionString: this.connectionString, sql: postgresQueries(name) });
    } finally {
      await this.drop(name);
    }
  }

  /**
   * Queued no-op jobs, inserted with the store's own insert statement (setup, not timed), then
   * ANALYZEd so both sides drain a table the planner knows, whenever autovacuum would have come by.
   */
  async seedQueuedJobs(schema: BenchSchema, count: number): Promise<void> {
    const now = new Date();
    for (let from = 0; from < count; from += SEED_CHUNK) {
      const inputs = Array.from({ length: Math.min(count, from + SEED_CHUNK) - from }, (_, offset) => ({ n: from + offset }));
      await this.admin.query(schema.sql.JOB_INSERT, [JSON.stringify(insertRecords(TASK, inputs, now)), now]);
    }
    await this.admin.query(`ANALYZE ${quoteIdentifier(schema.name)}.jobs`);
  }

  /** Jobs queued or running, as the store counts them. */
  async unfinishedCount(schema: BenchSchema): Promise<number> {
    let count = 0;
    for (const state of ['queued', 'running']) {
      const { rows } = await this.admin.query<{ count: number }>(schema.sql.JOB_COUNT_IN_STATE, [state]);
      count += rows.reduce((sum, row) => sum + row.count, 0);
    }
    return count;
  }

  /** Resolves once nothing is queued or running, asking every `everyMs`. */
  async waitUntilFinished(schema: BenchSchema, everyMs: number, timeoutMs = 120_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while ((await this.unfinishedCount(schema)) > 0) {
      if (performance.now() > deadline) throw new Error(`jobs in schema ${schema.name} were still unfinished after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }

  /** `started − enqueued` in ms for every measured job of `task` that succeeded. */
  async readLatencies(schema: BenchSchema, task: string): Promise<number[]> {
    const { rows } = await this.admin.query<{ enqueued_at: number; started_at: number }>(latencyQuery(schema.name), [task]);
    return rows.map((row) => row.started_at - row.enqueued_at);
  }

  /** Drop every schema still here, then close the admin pool. */
  async close(): Promise<void> {
    try {
      await this.dropAll();
    } finally {
      await this.admin.end();
    }
  }

  /** Drop every schema still here (also from a signal handler). */
  async dropAll(): Promise<void> {
    for (const name of [...this.live]) await this.drop(name);
  }

  private async drop(name: string): Promise<void> {
    const client = await this.admin.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = '${DROP_LOCK_TIMEOUT}'`);
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
      await client.query('COMMIT');
      this.live.delete(name);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      process.stderr.write(`could not drop schema ${name} (drop it by hand: DROP SCHEMA ${name} CASCADE): ${(error as Error).message}\n`);
    } finally {
      client.release();
    }
  }
}
