/**
 * The example's own tables, beside (not inside) Conveyor's store:
 *
 * - `incident_logs`: every log line the ingestion API received, one row per request.
 * - `analysis_results`: one row per analysed trace; `trace_id` is the primary key, so even a second
 *   analysis of a trace (a late request after the first finished) cannot write a second row.
 * - `step_runs`: one row each time a durable step's body actually ran. Conveyor keeps finished steps'
 *   results, so after a crash this table proves which bodies ran again and which did not.
 */
import type pg from 'pg';
import { checkSchemaName } from './settings.js';

/**
 * Create the schema and its tables if they do not exist (safe to run from every process, every start).
 * Takes one client, not a pool: the advisory lock and its unlock must be on the same connection.
 */
export async function createTables(client: pg.ClientBase, schema: string): Promise<void> {
  const s = `"${checkSchemaName(schema)}"`;
  // Two processes creating the same schema at once can still collide on the catalog; a lock makes it one at a time.
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [`incident-analysis:${schema}`]);
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.incident_logs (
        id          bigserial   PRIMARY KEY,
        trace_id    text        NOT NULL,
        service     text        NOT NULL,
        message     text        NOT NULL,
        at          timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        received_by text        NOT NULL
      );
      CREATE INDEX IF NOT EXISTS incident_logs_trace_id ON ${s}.incident_logs (trace_id, at);
      CREATE TABLE IF NOT EXISTS ${s}.analysis_results (
        trace_id     text        PRIMARY KEY,
        log_count    integer     NOT NULL,
        services     jsonb       NOT NULL,
        severity     integer     NOT NULL,
        level        text        NOT NULL,
        first_seen   timestamptz NOT NULL,
        last_seen    timestamptz NOT NULL,
        job_id       text        NOT NULL,
        job_attempt  integer     NOT NULL,
        analysed_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS ${s}.step_runs (
        id       bigserial   PRIMARY KEY,
        trace_id text        NOT NULL,
        job_id   text        NOT NULL,
        attempt  integer     NOT NULL,
        step     text        NOT NULL,
        pid      integer     NOT NULL,
        ran_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS step_runs_trace_id ON ${s}.step_runs (trace_id);
    `);
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`incident-analysis:${schema}`]);
  }
}

/** Drop the schema and everything in it (tests clean up with this; the demo keeps its rows). */
export async function dropSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS "${checkSchemaName(schema)}" CASCADE`);
}
