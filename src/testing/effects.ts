/**
 * Handler side effects recorded in a table of their own in the same database as the jobs, so tests
 * can count how many times each job's work really happened: `test_effects` next to the SQLite
 * store's tables, `<schema>.test_effects` in the PostgreSQL store's schema.
 */
import type { Pool } from 'pg';
import { parseStoreUrl } from '../config.js';
import { quoteIdentifier } from './postgres-server.js';

export interface EffectsTable {
  /** Record one run of a job's work, by the attempt that did it. */
  record(jobId: string, attempt: number): Promise<void>;
  /** How many effects each job recorded. */
  countByJob(): Promise<Map<string, number>>;
  /** How many effects each attempt of each job recorded, keyed `<jobId>#<attempt>`. */
  countByAttempt(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** Open (creating if needed) the effects table of the database a store URL names. Drivers load only now. */
export async function openEffects(storeUrl: string): Promise<EffectsTable> {
  const location = parseStoreUrl(storeUrl, 'effects store');
  return location.dialect === 'sqlite'
    ? openSqliteEffects(location.path)
    : openPostgresEffects(location.url, location.schema);
}

async function openSqliteEffects(path: string): Promise<EffectsTable> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  db.exec('CREATE TABLE IF NOT EXISTS test_effects (job_id TEXT NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO test_effects (job_id, attempt, pid) VALUES (?, ?, ?)');
  const byJob = db.prepare<[], { key: string; effects: number }>('SELECT job_id AS key, count(*) AS effects FROM test_effects GROUP BY job_id');
  const byAttempt = db.prepare<[], { key: string; effects: number }>(
    "SELECT job_id || '#' || attempt AS key, count(*) AS effects FROM test_effects GROUP BY job_id, attempt",
  );
  return {
    record: async (jobId, attempt) => void insert.run(jobId, attempt, process.pid),
    countByJob: async () => new Map(byJob.all().map((row) => [row.key, row.effects])),
    countByAttempt: async () => new Map(byAttempt.all().map((row) => [row.key, row.effects])),
    close: async () => void db.close(),
  };
}

async function openPostgresEffects(url: string, schema: string): Promise<EffectsTable> {
  const { default: pg } = await import('pg');
  const table = `${quoteIdentifier(schema)}.test_effects`;
  // A few connections: handlers of one worker record concurrently. A connection the server drops
  // (a restart in the chaos test) is replaced on the next query; the 'error' handler keeps the
  // dropped idle ones from crashing the process.
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000, application_name: 'conveyor-test-effects' });
  pool.on('error', () => {});
  try {
    await createPostgresTable(pool, schema, table).catch((error: { code?: string }) => {
      // The store's own migration may have created the schema at the same moment: once more finds it.
      if (error.code === '23505' || error.code === '42P06') return createPostgresTable(pool, schema, table);
      throw error;
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const insert = `INSERT INTO ${table} (job_id, attempt, pid) VALUES ($1, $2, $3)`;
  const byJob = `SELECT job_id AS key, count(*)::int AS effects FROM ${table} GROUP BY job_id`;
  const byAttempt = `SELECT job_id || '#' || attempt AS key, count(*)::int AS effects FROM ${table} GROUP BY job_id, attempt`;
  const counts = async (statement: string) => {
    const { rows } = await pool.query<{ key: string; effects: number }>(statement);
    return new Map(rows.map((row) => [row.key, row.effects]));
  };
  return {
    record: async (jobId, attempt) => void (await pool.query(insert, [jobId, attempt, process.pid])),
    countByJob: () => counts(byJob),
    countByAttempt: () => counts(byAttempt),
    close: () => pool.end(),
  };
}

/**
 * Create the schema and table unless they exist. Several processes open the table at once, and
 * concurrent `CREATE … IF NOT EXISTS` can still collide in PostgreSQL's catalogs, so creation is
 * serialised by an advisory lock on the table's name.
 */
async function createPostgresTable(pool: Pool, schema: string, table: string): Promise<void> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a connection dropped between statements would
  // otherwise be an unhandled 'error' event and crash the process.
  let dropped: Error | undefined;
  const onDropped = (error: Error) => (dropped = error);
  client.on('error', onDropped);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}.test_effects`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (job_id text NOT NULL, attempt integer NOT NULL, pid integer NOT NULL)`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', onDropped);
    client.release(dropped); // with an error, the pool discards the connection
  }
}
