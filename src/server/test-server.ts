/**
 * A real server on loopback (port 0) over a real store, for the server tests: a SQLite file by
 * default, or whatever store a `TestStoreFactory` makes. `describeEachStore` declares one suite body
 * on SQLite and on a PostgreSQL schema of each test's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { z } from 'zod';
import { pino } from 'pino';
import type { ArtifactOptions } from '../artifacts/settings.js';
import { Conveyor } from '../conveyor.js';
import type { EventDefinition } from '../step.js';
import { defineTask, type Task } from '../task.js';
import { describePostgres, freshTestSchema } from '../testing/postgres-env.js';
import type { WorkerHarnessFactory } from '../testing/worker-harness.js';
import { createServerApp } from './app.js';
import type { RateLimit } from './config.js';
import { startServer } from './listen.js';
import type { EventRouteOptions } from './routes/events.js';
import type { ServerLimits } from './server-limits.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const OTHER_TOKEN = 'second-token-0123456789abcdef';
export const WRONG_TOKEN = 'wrong-token-0123456789abcdef';

export const sendEmail = defineTask({
  name: 'email.send',
  queue: 'mail',
  input: z.object({ to: z.email(), subject: z.string().max(200) }),
  run: () => ({ sent: true }),
  dedup: { key: (input) => `email:${input.to}:${input.subject}` },
});

export const exportReport = defineTask({
  name: 'reports.export',
  input: z.object({ range: z.object({ start: z.iso.date(), end: z.iso.date() }).refine((range) => range.end >= range.start, { message: 'must not be before start', path: ['end'] }) }),
  run: () => ({ url: 'https://example.com/report.csv' }),
});

export interface TestServer {
  url: string;
  /** The store the server runs on, for other processes to open. */
  storeUrl: string;
  conveyor: Conveyor;
  /** fetch with the right token unless `token` says otherwise (null: no Authorization header). */
  request(method: string, path: string, init?: { body?: unknown; rawBody?: string | Uint8Array; token?: string | null; headers?: Record<string, string> }): Promise<Response>;
  /** How many jobs the store holds. */
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

/** Makes a fresh, empty store for one test server: its URL and how to remove it. */
export type TestStoreFactory = WorkerHarnessFactory;

/** A SQLite file in a temporary directory of its own. */
export const sqliteTestStore: TestStoreFactory = async () => {
  const directory = mkdtempSync(join(tmpdir(), 'conveyor-server-'));
  return { storeUrl: `sqlite:${join(directory, 'conveyor.db')}`, destroy: async () => rmSync(directory, { recursive: true, force: true }) };
};

/** A fresh schema on the test PostgreSQL server; declare its suites with `describePostgres`. */
export const postgresTestStore: TestStoreFactory = async () => {
  const { storeUrl, drop } = freshTestSchema();
  return { storeUrl, destroy: drop };
};

/**
 * Declare `tests` twice: as `<name>: sqlite`, and as `<name>: postgres` under `describePostgres`
 * (skipped with the reason when no server answers, failing under `CONVEYOR_REQUIRE_PG=1`).
 */
export function describeEachStore(name: string, tests: (store: TestStoreFactory) => void): void {
  describe(`${name}: sqlite`, () => tests(sqliteTestStore));
  describePostgres(`${name}: postgres`, () => tests(postgresTestStore));
}

export interface TestServerOptions {
  bodyLimitBytes?: number;
  /** The tasks the server knows. @default [sendEmail, exportReport] */
  tasks?: Task[];
  events?: EventRouteOptions;
  enqueueRateLimit?: RateLimit | null;
  /** @default TEST_AUTH_FAILURE_LIMIT */
  authFailureLimit?: RateLimit | null;
  /** @default sqliteTestStore */
  store?: TestStoreFactory;
  /** Timeouts and connection caps of the listening server. @default DEFAULT_SERVER_LIMITS */
  limits?: Partial<ServerLimits>;
  /** The Conveyor's artifact settings (a signing key for signed links). @default bytes in the store, no signing key */
  artifacts?: ArtifactOptions;
  /** The events the Conveyor declares (`Conveyor.open({ events })`), for `POST /events/{name}`. @default none */
  eventDefinitions?: EventDefinition[];
}

/**
 * The failed-auth budget of test servers: far above the production default, since suites send wrong
 * tokens by the dozen from one address; the throttle's own tests pass their limit.
 */
export const TEST_AUTH_FAILURE_LIMIT: RateLimit = { limit: 10_000, intervalMs: 60_000 };

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const store = await (options.store ?? sqliteTestStore)();
  const logger = pino({ level: process.env.CONVEYOR_LOG_LEVEL ?? 'silent' });
  const conveyor = await Conveyor.open({ store: store.storeUrl, tasks: options.tasks ?? [sendEmail, exportReport], logger, artifacts: options.artifacts, events: options.eventDefinitions });
  const app = createServerApp({
    deps: { conveyor, logger },
    tokens: [TOKEN, OTHER_TOKEN],
    bodyLimitBytes: options.bodyLimitBytes,
    enqueueRateLimit: options.enqueueRateLimit,
    authFailureLimit: options.authFailureLimit === undefined ? TEST_AUTH_FAILURE_LIMIT : options.authFailureLimit,
    events: options.events,
  });
  const server = await startServer({ app, port: 0, host: '127.0.0.1', limits: options.limits });
  return {
    url: server.url,
    storeUrl: store.storeUrl,
    conveyor,
    request: (method, path, init = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      const token = init.token === undefined ? TOKEN : init.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | Uint8Array | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${server.url}${path}`, { method, headers, body });
    },
    jobCount: async () => (await conveyor.listJobs({}, { limit: 1000 })).jobs.length,
    close: async () => {
      await server.close();
      await conveyor.close();
      await store.destroy();
    },
  };
}

export interface ErrorJson {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
}

/** The body of an error response, checked to have the one error shape and no stack. */
export async function errorJson(response: Response): Promise<ErrorJson> {
  const text = await response.text();
  if (/\bat .+:\d+:\d+/.test(text) || text.includes('node_modules')) throw new Error(`response body looks like a stack trace: ${text}`);
  const body = JSON.parse(text) as ErrorJson;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error' || typeof body.error.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not the error shape: ${text}`);
  }
  return body;
}
