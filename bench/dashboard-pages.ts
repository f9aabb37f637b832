/**
 * Does every dashboard page stay fast with a million jobs? Seeds a SQLite store with 1,000 jobs (a
 * realistic mix over the last three days: mostly succeeded, some dead with errors, failed, cancelled,
 * queued; 20 tasks on 4 queues; two schedules), serves the dashboard from a real server on loopback,
 * logs in, and times each page in `PAGES` (HTTP GET, median of `REPEATS` after `WARM_UP`). Then grows
 * the same store to 1,000,000 jobs (one INSERT … SELECT, the same mix), restarts the server (so no
 * page starts with counts cached at 1k), and times them again. Prints page | 1k ms | 1M ms | ratio.
 *
 * Run: `npm run bench:dashboard` (`-- --jobs 200000` for a quicker second size; `-- --postgres` also
 * measures PostgreSQL, at CONVEYOR_TEST_PG_URL, in a schema of its own dropped afterwards).
 * A page added to the dashboard is measured by adding a line to `PAGES`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { z } from 'zod';
import { parseStoreUrl } from '../src/config.js';
import { Conveyor } from '../src/conveyor.js';
import { openStore } from '../src/store/open-store.js';
import { dashboardRoutes } from '../src/dashboard/dashboard-routes.js';
import { defineSchedule } from '../src/schedule/define-schedule.js';
import { createServerApp } from '../src/server/app.js';
import { healthRoutes } from '../src/server/health.js';
import { startServer } from '../src/server/listen.js';
import { defineTask } from '../src/task.js';

const SMALL = 1_000;
const LARGE = Number(process.argv[process.argv.indexOf('--jobs') + 1] ?? 0) || 1_000_000;
const WARM_UP = 3;
const REPEATS = 15;
const TOKEN = 'bench-token-0123456789abcdef';
const PG_URL = process.env.CONVEYOR_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** A job present at both sizes (a dead one, with an error): the one-job page. */
const ONE_JOB_ID = 500;

/** Every page to time: label and path. Add a line for a new page. */
const PAGES: Array<[string, string]> = [
  ['overview', '/'],
  ['jobs list', '/dashboard/jobs'],
  ['jobs, state = dead', '/dashboard/jobs?state=dead'],
  ['jobs, task = task.3', '/dashboard/jobs?task=task.3'],
  ['jobs, text "timeout"', '/dashboard/jobs?text=timeout'],
  ['one job', `/dashboard/jobs/${ONE_JOB_ID}`],
  ['failure groups', '/dashboard/failures'],
  ['workers', '/dashboard/workers'],
  ['schedules', '/dashboard/schedules'],
  ['queues', '/dashboard/queues'],
  ['one queue (q1)', '/dashboard/queues/q1'],
  ['new job form (task.3)', '/dashboard/enqueue?task=task.3'],
  ['enqueue a copy of one job', `/dashboard/enqueue?copyOf=${ONE_JOB_ID}`],
  ['bulk retry confirm, state = dead', '/dashboard/bulk/retry?state=dead'],
  ['bulk cancel confirm, queue = q1', '/dashboard/bulk/cancel?queue=q1'],
];

const tasks = Array.from({ length: 20 }, (_, index) => defineTask({ name: `task.${index}`, queue: `q${index % 4}`, input: z.object({ n: z.number() }), run: () => null }));

/**
 * The mix, by id i (same rule at both sizes): every 100th job dead with an error, every 250th failed
 * (retrying), every 500th cancelled, every 1,000th queued, the rest succeeded; created over the last
 * three days at random, started ~0–2 s after, finished ~0.1–5 s after.
 */
const SEED = `
WITH RECURSIVE n(i) AS (SELECT CAST(@first AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < @last),
j AS (SELECT i, CAST(@now AS INTEGER) - abs(random() % 259200000) AS created, abs(random() % 2000) AS wait, 100 + abs(random() % 4900) AS took FROM n)
INSERT INTO conveyor_jobs (id, task, queue, input, state, priority, run_at, attempt, max_attempts, errors, created_at, started_at, finished_at, updated_at)
SELECT i, 'task.' || (i % 20), 'q' || (i % 20 % 4), '{"n":' || i || ',"email":"user' || i || '@example.com"}',
  CASE WHEN i % 100 = 0 THEN 'dead' WHEN i % 250 = 3 THEN 'failed' WHEN i % 500 = 7 THEN 'cancelled' WHEN i % 1000 = 11 THEN 'queued' ELSE 'succeeded' END,
  0, created, CASE WHEN i % 1000 = 11 OR i % 500 = 7 THEN 0 ELSE 1 END, 3,
  CASE WHEN i % 100 = 0 THEN '[{"attempt":3,"message":"connect timeout after 30000 ms (' || (i % 7) || ')","stack":"Error: connect timeout\\n    at connect (db.ts:12)","at":' || (created + wait + took) || '}]'
       WHEN i % 250 = 3 THEN '[{"attempt":1,"message":"upstream said no","stack":null,"at":' || (created + wait + took) || '}]' ELSE '[]' END,
  created,
  CASE WHEN i % 1000 = 11 OR i % 500 = 7 THEN NULL ELSE created + wait END,
  CASE WHEN i % 1000 = 11 OR i % 250 = 3 THEN NULL ELSE created + wait + took END,
  created + wait + took
FROM j`;

function seed(path: string, first: number, last: number): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('DROP TRIGGER IF EXISTS conveyor_jobs_event_on_insert'); // fixture building: no job events for a million inserts
  db.prepare(SEED).run({ first, last, now: Date.now() });
  db.exec('ANALYZE');
  db.close();
}

async function withServer<T>(storeUrl: string, use: (get: (path: string) => Promise<number>) => Promise<T>): Promise<T> {
  const logger = pino({ level: process.env.CONVEYOR_LOG_LEVEL ?? 'silent' });
  const conveyor = await Conveyor.open({ store: storeUrl, tasks, logger });
  const app = createServerApp({ deps: { conveyor, logger }, tokens: [TOKEN], authFailureLimit: null, extraRoutes: [healthRoutes, dashboardRoutes] });
  const server = await startServer({ app, port: 0, host: '127.0.0.1' });
  try {
    const login = await fetch(`${server.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: server.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    const cookie = login.headers.getSetCookie().map((header) => header.split(';')[0]).join('; ');
    const get = async (path: string) => {
      const start = performance.now();
      const response = await fetch(`${server.url}${path}`, { headers: { cookie } });
      await response.text();
      const ms = performance.now() - start;
      if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}, expected 200 (CONVEYOR_LOG_LEVEL=error shows why)`);
      return ms;
    };
    return await use(get);
  } finally {
    await server.close();
    await conveyor.close();
  }
}

async function timePages(storeUrl: string): Promise<Map<string, number>> {
  return withServer(storeUrl, async (get) => {
    const medians = new Map<string, number>();
    for (const [label, path] of PAGES) {
      for (let index = 0; index < WARM_UP; index++) await get(path);
      const samples: number[] = [];
      for (let index = 0; index < REPEATS; index++) samples.push(await get(path));
      samples.sort((a, b) => a - b);
      medians.set(label, samples[Math.floor(samples.length / 2)]!);
    }
    return medians;
  });
}

/** The PostgreSQL seed: the same mix as `SEED`, over ids $1–$2. */
const PG_SEED = (schema: string) => `
INSERT INTO ${schema}.jobs (id, task, queue, input, state, priority, run_at, attempt, max_attempts, errors, created_at, started_at, finished_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT i, 'task.' || (i % 20), 'q' || (i % 20 % 4), json_build_object('n', i, 'email', 'user' || i || '@example.com'),
  CASE WHEN i % 100 = 0 THEN 'dead' WHEN i % 250 = 3 THEN 'failed' WHEN i % 500 = 7 THEN 'cancelled' WHEN i % 1000 = 11 THEN 'queued' ELSE 'succeeded' END,
  0, created, CASE WHEN i % 1000 = 11 OR i % 500 = 7 THEN 0 ELSE 1 END, 3,
  CASE WHEN i % 100 = 0 THEN jsonb_build_array(jsonb_build_object('attempt', 3, 'message', 'connect timeout after 30000 ms (' || (i % 7) || ')', 'stack', E'Error: connect timeout\n    at connect (db.ts:12)', 'at', (extract(epoch FROM created + took) * 1000)::bigint))
       WHEN i % 250 = 3 THEN jsonb_build_array(jsonb_build_object('attempt', 1, 'message', 'upstream said no', 'stack', null, 'at', (extract(epoch FROM created + took) * 1000)::bigint)) ELSE '[]'::jsonb END,
  created,
  CASE WHEN i % 1000 = 11 OR i % 500 = 7 THEN NULL ELSE created + wait END,
  CASE WHEN i % 1000 = 11 OR i % 250 = 3 THEN NULL ELSE created + took END,
  created + took
FROM (SELECT i, now() - random() * interval '3 days' AS created, random() * interval '2 s' AS wait, interval '2 s' + random() * interval '5 s' AS took
      FROM generate_series($1::bigint, $2::bigint) AS i) AS j`;

/**
 * What a running Conveyor has done by the time anyone looks at a page: the seed writes rows with SQL,
 * so the error fingerprints the stores write with each error are written here, and PostgreSQL's
 * kept-count changes are folded, as maintenance does every second.
 */
async function settleSeeded(storeUrl: string): Promise<void> {
  const store = await openStore(parseStoreUrl(storeUrl, 'bench store'));
  try {
    while ((await store.jobs.fingerprintFailures({ limit: 10_000 })) > 0);
    while ((await store.jobs.foldKeptCounts({ limit: 100_000 })) > 0);
  } finally {
    await store.close();
  }
}

/** Store the two schedules, seed `SMALL` jobs, time; grow to `LARGE`, time again. */
async function measure(
  storeUrl: string,
  seedJobs: (first: number, last: number) => Promise<void>,
  afterSettling: () => Promise<void> = async () => {},
): Promise<{ small: Map<string, number>; large: Map<string, number> }> {
  const conveyor = await Conveyor.open({ store: storeUrl, tasks, logger: pino({ level: 'silent' }) });
  await conveyor.schedules.upsert(defineSchedule({ name: 'reports.nightly', task: tasks[3]!, cron: '0 3 * * *', input: { n: 1 } }));
  await conveyor.schedules.upsert(defineSchedule({ name: 'sync.hourly', task: tasks[5]!, cron: '0 * * * *', timeZone: 'Europe/Berlin', input: { n: 2 } }));
  await conveyor.close();
  await seedJobs(1, SMALL);
  await settleSeeded(storeUrl);
  await afterSettling();
  const small = await timePages(storeUrl);
  let started = performance.now();
  await seedJobs(SMALL + 1, LARGE);
  await settleSeeded(storeUrl);
  await afterSettling();
  console.log(`Grew the store from ${SMALL.toLocaleString('en-US')} to ${LARGE.toLocaleString('en-US')} jobs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  const large = await timePages(storeUrl);
  console.log(`Timed the pages at ${LARGE.toLocaleString('en-US')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { small, large };
}

function printTable(store: string, { small, large }: { small: Map<string, number>; large: Map<string, number> }): void {
  const sizeLabel = (jobs: number) => (jobs >= 1_000_000 ? `${jobs / 1_000_000}M` : `${jobs / 1000}k`);
  console.log(`\nDashboard pages over ${store}: server time of an HTTP GET on loopback, median of ${REPEATS} after ${WARM_UP} warm-up, ms\n`);
  console.log(`| page | ${sizeLabel(SMALL)} ms | ${sizeLabel(LARGE)} ms | ratio | goal ≤1.5× met? |`);
  console.log('|---|---:|---:|---:|---|');
  for (const [label] of PAGES) {
    const a = small.get(label)!;
    const b = large.get(label)!;
    const ratio = b / a;
    console.log(`| ${label} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${ratio.toFixed(2)}× | ${ratio <= 1.5 ? 'yes' : 'no'} |`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'conveyor-dashboard-bench-'));
try {
  const path = join(dir, 'dashboard.db');
  printTable('SQLite', await measure(`sqlite:${path}`, async (first, last) => seed(path, first, last)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes('--postgres')) {
  const schema = `dashboard_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    const seedPostgres = async (first: number, last: number) => {
      await admin.query(`ALTER TABLE ${schema}.jobs DISABLE TRIGGER jobs_events_on_insert`);
      await admin.query(PG_SEED(schema), [first, last]);
    };
    // After the fingerprints are written, as autovacuum would by the time anyone looks: statistics
    // that still saw every fingerprint NULL mislead the planner, and index-only scans need the pages all-visible.
    const vacuum = async () => {
      await admin.query(`VACUUM ANALYZE ${schema}.jobs`);
    };
    printTable('PostgreSQL', await measure(`${PG_URL}?schema=${schema}`, seedPostgres, vacuum));
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}
