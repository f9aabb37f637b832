/**
 * Where the example's data lives, read from the environment in one place so the ingestion
 * processes, the worker and the runner cannot disagree about it.
 *
 * - `INCIDENT_DATABASE_URL`: the PostgreSQL database of the example's own tables
 *   (default `postgres://127.0.0.1:5432/test`).
 * - `INCIDENT_SCHEMA`: the schema those tables live in (default `incident_analysis`); the test uses
 *   a fresh one per run so runs never see each other's rows.
 * - `INCIDENT_SETTLE_MS`: how long an analysis waits after the first log line of its trace before it
 *   runs (default 2000), so the rest of a burst lands in the same analysis (see `ingest-app.ts`).
 *
 * Conveyor's own store is `CONVEYOR_STORE` (see `defaultStoreUrl`).
 */
import { userInfo } from 'node:os';
import { resolve } from 'node:path';

export const DEFAULT_DATABASE_URL = 'postgres://127.0.0.1:5432/test';
export const DEFAULT_SCHEMA = 'incident_analysis';
export const DEFAULT_SETTLE_MS = 2_000;

export interface DatabaseSettings {
  url: string;
  schema: string;
}

/** The example's PostgreSQL database and schema; throws naming the variable when one is malformed. */
export function readDatabaseSettings(env: NodeJS.ProcessEnv = process.env): DatabaseSettings {
  const url = env.INCIDENT_DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`INCIDENT_DATABASE_URL must be a postgres:// URL, got ${JSON.stringify(redactPassword(url))}; e.g. ${DEFAULT_DATABASE_URL}`);
  }
  return { url: withDefaultUser(url, env), schema: checkSchemaName(env.INCIDENT_SCHEMA || DEFAULT_SCHEMA) };
}

/**
 * `url` with a user name: `PGUSER`, else the one this process runs as, when the URL names none.
 * psql does the same, but the pg driver takes only `$USER`, which is unset in some shells and
 * containers ("no PostgreSQL user name specified in startup packet").
 */
export function withDefaultUser(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const parsed = new URL(url);
  if (parsed.username !== '') return url;
  parsed.username = env.PGUSER || env.USER || userInfo().username;
  return parsed.toString();
}

/** How long new analyses wait for the rest of their trace's burst (`INCIDENT_SETTLE_MS`). */
export function readSettleMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.INCIDENT_SETTLE_MS;
  if (text === undefined || text === '') return DEFAULT_SETTLE_MS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 3_600_000) {
    throw new Error(`INCIDENT_SETTLE_MS must be an integer from 0 to 3600000 (milliseconds), got ${JSON.stringify(text)}; e.g. 2000`);
  }
  return value;
}

/**
 * The schema name is put into SQL as an identifier (it cannot be a query parameter), so only plain
 * lower-case names pass.
 */
export function checkSchemaName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`INCIDENT_SCHEMA must be a plain lower-case SQL name (letters, digits, _; at most 63), got ${JSON.stringify(name)}; e.g. ${DEFAULT_SCHEMA}`);
  }
  return name;
}

/**
 * Conveyor's store when `CONVEYOR_STORE` is not set: one SQLite file every process of this machine
 * shares, under `.conveyor/incident-analysis/` of the working directory (absolute, so child processes
 * started elsewhere open the same file).
 */
export function defaultStoreUrl(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return env.CONVEYOR_STORE || `sqlite:${resolve(cwd, '.conveyor/incident-analysis/conveyor.db')}`;
}

/** A URL fit for printing: its password, if any, as `***`. */
export function redactPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
