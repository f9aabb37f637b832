/**
 * Setup and read-back on PostgreSQL for every PostgreSQL system of the comparison: fresh schema names,
 * dropping them, ANALYZE after a seed, counting pending jobs. A small pool per server URL, opened on
 * first use, does this work; the measured work runs on each system's own connections.
 */
import pg from 'pg';
import { redactStoreUrl } from '../../src/config.js';
import { quoteIdentifier } from '../../src/postgres/queries.js';

const pools = new Map<string, pg.Pool>();
let schemasMade = 0;
/** Schemas made and not yet dropped, with their server: dropped on Ctrl-C. */
const live = new Map<string, string>();
/** A drop waits at most this long for a lock held by a connection still closing. */
const DROP_LOCK_TIMEOUT = '10s';

function adminPool(url: string): pg.Pool {
  let pool = pools.get(url);
  if (pool === undefined) {
    pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'conveyor-compare-admin' });
    pool.on('error', () => undefined); // an idle admin connection dropped: the next query opens another
    pools.set(url, pool);
  }
  return pool;
}

/** Throws with the server's own message when PostgreSQL at `url` does not answer; the message shows `url` without its password (it ends up in the report). */
export async function checkPostgres(url: string): Promise<void> {
  try {
    await adminPool(url).query('SELECT 1');
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${redactStoreUrl(url)}: ${(error as Error).message}`);
  }
}

/** `<prefix>_<pid>_<n>`: unique to this run, so runs side by side never share a schema. */
export function freshSchemaName(url: string, prefix: string): string {
  schemasMade += 1;
  const name = `${prefix}_${process.pid}_${schemasMade}`;
  live.set(name, url);
  return name;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = await adminPool(url).connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '${DROP_LOCK_TIMEOUT}'`);
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await client.query('COMMIT');
    live.delete(schema);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    process.stderr.write(`could not drop schema ${schema} (drop it by hand: DROP SCHEMA ${schema} CASCADE): ${(error as Error).message}\n`);
  } finally {
    client.release();
  }
}

/** ANALYZE every table of the schema: after a seed, each system drains a table the planner knows. */
export async function analyzeSchema(url: string, schema: string): Promise<void> {
  const pool = adminPool(url);
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
    [schema],
  );
  for (const { name } of rows) await pool.query(`ANALYZE ${quoteIdentifier(schema)}.${quoteIdentifier(name)}`);
}

/** The integer in the first column of the first row. */
export async function countRows(url: string, text: string, values: unknown[] = []): Promise<number> {
  const { rows } = await adminPool(url).query<{ count: number | string }>(text, values);
  return Number(rows[0]?.count ?? 0);
}

/** One setting as the server reports it (`SHOW name`). */
export async function showSetting(url: string, name: string): Promise<string> {
  const { rows } = await adminPool(url).query(`SHOW ${name}`);
  return String((rows[0] as Record<string, unknown>)[name]);
}

/** Drop every schema made here and not yet dropped (after an interrupted measurement). */
export async function dropLeftoverSchemas(): Promise<void> {
  for (const [schema, url] of [...live]) await dropSchema(url, schema);
}

export async function closeAdminPools(): Promise<void> {
  await Promise.all([...pools.values()].map((pool) => pool.end()));
  pools.clear();
}

export { quoteIdentifier };
