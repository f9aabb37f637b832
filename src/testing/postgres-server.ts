/**
 * The PostgreSQL server the tests use (`CONVEYOR_TEST_PG_URL`, default
 * `postgres://postgres@127.0.0.1:5432/postgres`) and the helpers tests and test processes share to
 * reach it: a probe, fresh schema names, a direct client, waiting for a restarted server.
 * Imports no vitest, so fixture processes can use it; test files declare suites with `postgres-env.ts`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redactStoreUrl } from '../config.js';

/** The server tests use when `CONVEYOR_TEST_PG_URL` is not set. */
export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The test server's URL, without a `schema` option. */
export const TEST_POSTGRES_URL = process.env.CONVEYOR_TEST_PG_URL || DEFAULT_TEST_POSTGRES_URL;

/** How long the probe waits for a connection before calling the server unreachable. */
const PROBE_TIMEOUT_MS = 2_000;

/** Whether the test server answered, and why not when it did not. */
export type PostgresProbe = { reachable: true } | { reachable: false; reason: string };

/** True when `CONVEYOR_REQUIRE_PG=1`: an unreachable server fails the PostgreSQL suites instead of skipping them. */
export function postgresRequired(): boolean {
  return process.env.CONVEYOR_REQUIRE_PG === '1';
}

/** Connect to `url` and run `SELECT 1`, giving up after `timeoutMs`. Never throws. */
export async function probePostgres(url: string = TEST_POSTGRES_URL, timeoutMs = PROBE_TIMEOUT_MS): Promise<PostgresProbe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A connection the server drops later must not crash the process through an unhandled 'error'.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { reachable: true };
  } catch (error) {
    return { reachable: false, reason: describeConnectionError(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** `ECONNREFUSED`, or the server's message with its SQLSTATE: short enough for a skip reason. */
function describeConnectionError(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code !== 'string' || code === '') return text || String(error);
  if (text === '' || text.includes(code)) return text || code;
  return `${code}: ${text}`;
}

/** Why PostgreSQL suites do not run, in one paragraph: the URL, the error, and what to do. */
export function postgresUnavailableMessage(reason: string, url: string = TEST_POSTGRES_URL): string {
  const verdict = postgresRequired() ? 'PostgreSQL suites FAIL' : 'PostgreSQL suites skipped';
  return (
    `${verdict}: cannot connect to ${redactStoreUrl(url)} (${reason}). ` +
    'Set CONVEYOR_TEST_PG_URL or start PostgreSQL; CI sets CONVEYOR_REQUIRE_PG=1 so it never skips.'
  );
}

/** A schema name no other test uses: `conveyor_t_<pid>_<random>`, a valid `?schema=` value. */
export function freshSchemaName(): string {
  return `conveyor_t_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** `url` with `?schema=<schema>`, keeping (and replacing a `schema` in) any query string it has. */
export function postgresUrlWithSchema(schema: string, url: string = TEST_POSTGRES_URL): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

/** A schema name as a quoted identifier; only names made by `freshSchemaName` or parsed from a store URL reach here. */
export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Not a plain lower-case SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Run `work` with a client of its own on the test server (bypassing any store), then disconnect. */
export async function withPostgresClient<T>(work: (client: pg.Client) => Promise<T>, url: string = TEST_POSTGRES_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drop a test schema and everything in it; a schema that does not exist is fine. */
export async function dropSchema(schema: string, url: string = TEST_POSTGRES_URL): Promise<void> {
  await withPostgresClient(async (client) => {
    // Fail rather than hang if a leaked connection still holds a lock in the schema.
    await client.query("SET lock_timeout = '20s'");
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  }, url);
}

/**
 * Resolves once the server accepts connections again (after a restart), probing every `intervalMs`;
 * rejects with the last error after `timeoutMs`.
 */
export async function waitForPostgres(url: string = TEST_POSTGRES_URL, timeoutMs = 60_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await probePostgres(url, Math.min(PROBE_TIMEOUT_MS, Math.max(100, deadline - Date.now())));
    if (probe.reachable) return;
    if (Date.now() >= deadline) throw new Error(`PostgreSQL at ${redactStoreUrl(url)} still refuses connections after ${timeoutMs} ms: ${probe.reason}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A schema of one test's own on the test server. */
export interface TestSchema {
  /** `conveyor_t_<pid>_<random>`. */
  schema: string;
  /** The store URL naming it: `<TEST_POSTGRES_URL>?schema=<schema>`. */
  storeUrl: string;
  /** Drop the schema and everything in it. */
  drop(): Promise<void>;
}

/** Name a fresh schema (the store creates it on its first migration run) and say how to drop it. */
export function freshTestSchema(url: string = TEST_POSTGRES_URL): TestSchema {
  const schema = freshSchemaName();
  return { schema, storeUrl: postgresUrlWithSchema(schema, url), drop: () => dropSchema(schema, url) };
}
