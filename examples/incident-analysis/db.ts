/**
 * Connections to the example's own PostgreSQL tables. Every connection has the example's schema as
 * its `search_path`, so the SQL elsewhere names tables plainly (`incident_logs`) and a test can point
 * the whole pipeline at a fresh schema with one variable.
 */
import pg from 'pg';
import { type DatabaseSettings, redactPassword } from './settings.js';

/** A pool on the example's schema. Nothing connects until the first query. */
export function openIncidentsPool(settings: DatabaseSettings, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.url,
    // Schema names are checked by `checkSchemaName`, so they are safe in this option.
    options: `-c search_path=${settings.schema}`,
    max,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server drops (a restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/** Run `work` on one client of its own (for set-up and checks), then disconnect. */
export async function withIncidentsClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Cannot reach the incidents database at ${redactPassword(url)}: ${(error as Error).message}. ` +
        'Start PostgreSQL or set INCIDENT_DATABASE_URL (e.g. postgres://127.0.0.1:5432/test).',
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}
