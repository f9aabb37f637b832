/**
 * Opening the PostgreSQL store at a location already parsed: the pool, its checks and the store.
 * The dialect's descriptor opens stores through this (loading `pg` only then), and so does
 * `openPostgresStore` once it has parsed its URL.
 */
import pg from 'pg';
import { ConveyorConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { redactStoreUrl } from '../redact-store-url.js';
import { PostgresStore } from './postgres-store.js';

export interface PostgresStoreOptions {
  /** A `postgres://` URL; a `?schema=` in it is used unless `schema` is given. */
  url: string;
  /** The schema Conveyor's tables live in, created on first migration. @default 'conveyor' */
  schema?: string;
  /** Most connections the store's pool opens (the notice listener uses one more). @default 10 */
  poolSize?: number;
  /** How long to wait for a new connection before a statement fails. @default 10_000 */
  connectTimeoutMs?: number;
  /** Where connection trouble is logged (pool errors, the notice listener reconnecting). */
  logger?: Logger;
}

/** Opens a pool (connecting lazily) and the store on it, for a location whose URL and schema were checked. */
export function openPostgresStoreAt(location: { url: string; schema: string }, options: Omit<PostgresStoreOptions, 'url' | 'schema'>): PostgresStore {
  const { schema } = location;
  const poolSize = options.poolSize ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new ConveyorConfigError('postgres poolSize', `must be an integer from 1 to 1000, got ${String(poolSize)}`, '10');
  }
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
    throw new ConveyorConfigError('postgres connectTimeoutMs', `must be an integer ≥ 1 of milliseconds, got ${String(connectTimeoutMs)}`, '10000');
  }
  const clientConfig: pg.ClientConfig = {
    connectionString: location.url,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    application_name: 'conveyor',
  };
  checkClientConfig(clientConfig, location.url);
  const pool = new pg.Pool({ ...clientConfig, max: poolSize });
  // An idle connection that the server closes (restart, pg_terminate_backend) errors here; the pool
  // drops it and opens a new one for the next statement. Without a listener Node would crash.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'store: an idle PostgreSQL connection was closed; the pool replaces it'));
  return new PostgresStore({ pool, clientConfig, schema, displayUrl: redactStoreUrl(location.url), logger: options.logger ?? null });
}

/**
 * Build (but do not connect) a client, so what the driver cannot use in the URL (an sslrootcert file
 * that does not exist, a password that is not valid percent-encoding) is a config error naming the
 * URL, password hidden, now rather than a stack at the first statement.
 */
function checkClientConfig(clientConfig: pg.ClientConfig, url: string): void {
  try {
    new pg.Client(clientConfig);
  } catch (error) {
    throw new ConveyorConfigError('postgres url', `${JSON.stringify(redactStoreUrl(url))} cannot be used: ${redactStoreUrl((error as Error).message)}`, '"postgres://user:password@localhost:5432/app?sslmode=require"');
  }
}
