/**
 * Does every dashboard page stay fast with a million jobs? Seeds a SQLite store with 1,000 jobs (a
 * realistic mix over the last three days: mostly succeeded, some dead with errors, failed, cancelled,
 * queued; 20 tasks on 4 queues; two schedules), serves the dashboard from a real server on loopback,
 * logs in, and times each page in `PAGES` (HTTP GET). A second store of the same kind holds 1,000,000
 * jobs of the same mix (one INSERT … SELECT), served beside the first, and each page is timed on both
 * side by side: `WARM_UP` requests to each, then `REPEATS` pairs, the order flipped every pair, so
 * a change in the machine's load lands on both sizes alike. Prints page | 1k ms | 1M ms | ratio of
 * the medians. Twice: against 1,000,000 jobs of the mix, whose queued backlog (1,000) and jobs
 * finished in the last hour (~14,000) grow with it, and against the first 1,000 of the mix plus
 * 999,000 finished 3 to 33 days ago, which holds the backlog and the recent rate of 1,000 jobs and
 * so shows what the stored history alone costs each page.
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
const REPEATS = 21;
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
 * three days at random, started ~0–2 s after, finished ~0.1–5 s after. As `HISTORY` (the history
 * variant's jobs past the first 1,000): created 3 to 33 days ago, and only finished (no failed
 * retrying, no queued: those become succeeded), so the backlog and the recent rate stay those of 1,000 jobs.
 */
const SEED = `
WITH RECURSIVE n(i) AS (SELECT CAST(@first AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < @last),
j AS (
  SELECT i, CAST(@now AS INTEGER) - @ageMs - abs(random() % @spanMs) AS created, abs(random() % 2000) AS wait, 100 + abs(random() % 4900) AS took,
    CASE WHEN i % 100 = 0 THEN 'dead' WHEN @history = 0 AND i % 250 = 3 THEN 'failed' WHEN i % 500 = 7 THEN 'cancelled'
      WHEN @history = 0 AND i % 1000 = 11 THEN 'queued' ELSE 'succeeded' END AS state
  FROM n)
INSERT INTO conveyor_jobs (id, task, queue, input, state, priority, run_at, attempt, max_attempts, errors, created_at, started_at, finished_at, updated_at)
SELECT i, 'task.' || (i % 20), 'q' || (i % 20 % 4), '{"n":' || i || ',"email":"user' || i || '@example.com"}',
  state, 0, created, CASE WHEN state IN ('queued', 'cancelled') THEN 0 ELSE 1 END, 3,
  CASE WHEN state = 'dead' THEN '[{"attempt":3,"message":"connect timeout after 30000 ms (' || (i % 7) || ')","stack":"Error: connect timeout\\n    at connect (db.ts:12)","at":' || (created + wait + took) || '}]'
       WHEN state = 'failed' THEN '[{"attempt":1,"message":"upstream said no","stack":null,"at":' || (created + wait + took) || '}]' ELSE '[]' END,
  created,
  CASE WHEN state IN ('queued', 'cancelled') THEN NULL ELSE created + wait END,
  CASE WHEN state IN ('queued', 'failed') THEN NULL ELSE created + wait + took END,
  created + wait + took
FROM j`;

const DAY_MS = 86_400_000;

/** Jobs past the first `SMALL` of the history variant: finished, 3 to 33 days ago. */
const HISTORY = { ageMs: 3 * DAY_MS, spanMs: 30 * DAY_MS };
/** The mix as it is recent: the last three days. */
const RECENT = { ageMs: 0, spanMs: 3 * DAY_MS };

function seed(path: string, first: number, last: number, history: boolean): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('DROP TRIGGER IF EXISTS conveyor_jobs_event_on_insert'); // fixture building: no job events for a million inserts
  const now = Date.now();
  // The first SMALL jobs are always the recent mix: the history variant adds history to them.
  db.prepare(SEED).run({ first, last: Math.min(last, SMALL), now, history: 0, ...RECENT });
  if (last > SMALL) db.prepare(SEED).run({ first: SMALL + 1, last, now, history: history ? 1 : 0, ...(history ? HISTORY : RECENT) });
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

/** Each page's median on the small and the large store, timed in pairs, the order flipped every pair. */
async function timePagesSideBySide(smallUrl: string, largeUrl: string): Promise<{ small: Map<string, number>; large: Map<string, number> }> {
  return withServer(smallUrl, (getSmall) =>
    withServer(largeUrl, async (getLarge) => {
      const small = new Map<string, number>();
      const large = new Map<string, number>();
      const median = (samples: number[]) => [...samples].sort((x, y) => x - y)[Math.floor(samples.length / 2)]!;
      for (const [label, path] of PAGES) {
        for (let index = 0; index < WARM_UP; index++) {
          await getSmall(path);
          await getLarge(path);
        }
        const smallSamples: number[] = [];
        const largeSamples: number[] = [];
        for (let index = 0; index < REPEATS; index++) {
          if (index % 2 === 0) {
            smallSamples.push(await getSmall(path));
            largeSamples.push(await getLarge(path));
          } else {
            largeSamples.push(await getLarge(path));
            smallSamples.push(await getSmall(path));
          }
        }
        small.set(label, median(smallSamples));
        large.set(label, median(largeSamples));
      }
      return { small, large };
    }),
  );
}

/** The PostgreSQL seed: the same mix as `SEED`, over ids $1–$2; $3 true for history, $4 and $5 the age and span in ms. */
const PG_SEED = (schema: string) => `
INSERT INTO ${schema}.jobs (id, task, queue, input, state, priority, run_at, attempt, max_attempts, errors, created_at, started_at, finished_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT i, 'task.' || (i % 20), 'q' || (i % 20 % 4), json_build_object('n', i, 'email', 'user' || i || '@example.com'),
  state, 0, created, CASE WHEN state IN ('queued', 'cancelled') THEN 0 ELSE 1 END, 3,
  CASE WHEN state = 'dead' THEN jsonb_build_array(jsonb_build_object('attempt', 3, 'message', 'connect timeout after 30000 ms (' || (i % 7) || ')', 'stack', E'Error: connect timeout\n    at connect (db.ts:12)', 'at', (extract(epoch FROM created + took) * 1000)::bigint))
       WHEN state = 'failed' THEN jsonb_build_array(jsonb_build_object('attempt', 1, 'message', 'upstream said no', 'stack', null, 'at', (extract(epoch FROM created + took) * 1000)::bigint)) ELSE '[]'::jsonb END,
  created,
  CASE WHEN state IN ('queued', 'cancelled') THEN NULL ELSE created + wait END,
  CASE WHEN state IN ('queued', 'failed') THEN NULL ELSE created + took END,
  created + took
FROM (SELECT i, now() - $4::bigint * interval '1 ms' - random() * $5::bigint * interval '1 ms' AS created, random() * interval '2 s' AS wait, interval '2 s' + random() * interval '5 s' AS took,
        CASE WHEN i % 100 = 0 THEN 'dead' WHEN NOT $3::boolean AND i % 250 = 3 THEN 'failed' WHEN i % 500 = 7 THEN 'cancelled'
          WHEN NOT $3::boolean AND i % 1000 = 11 THEN 'queued' ELSE 'succeeded' END AS state
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

/** The two schedules, `jobs` jobs of the mix, and what a running Conveyor has done since (`settleSeeded`). */
async function prepareStore(storeUrl: string, jobs: number, seedJobs: (first: number, last: number) => Promise<void>, afterSettling: () => Promise<void>): Promise<void> {
  const conveyor = await Conveyor.open({ store: storeUrl, tasks, logger: pino({ level: 'silent' }) });
  await conveyor.schedules.upsert(defineSchedule({ name: 'reports.nightly', task: tasks[3]!, cron: '0 3 * * *', input: { n: 1 } }));
  await conveyor.schedules.upsert(defineSchedule({ name: 'sync.hourly', task: tasks[5]!, cron: '0 * * * *', timeZone: 'Europe/Berlin', input: { n: 2 } }));
  await conveyor.close();
  await seedJobs(1, jobs);
  await settleSeeded(storeUrl);
  await afterSettling();
}

interface BenchStore {
  url: string;
  /** Seed jobs first–last; `history`: past the first `SMALL`, finished jobs 3 to 33 days old (`HISTORY`). */
  seed: (first: number, last: number, history: boolean) => Promise<void>;
  afterSettling: () => Promise<void>;
}

type Medians = { small: Map<string, number>; large: Map<string, number> };

/**
 * Prepare a `SMALL` store and two `LARGE` ones, the mix throughout and the mix with history, then
 * time every page on the small store side by side with each large one.
 */
async function measure(makeStore: (name: string) => BenchStore): Promise<{ mix: Medians; history: Medians }> {
  const [small, large, history] = [makeStore('small'), makeStore('large'), makeStore('history')];
  await prepareStore(small.url, SMALL, (first, last) => small.seed(first, last, false), small.afterSettling);
  let started = performance.now();
  await prepareStore(large.url, LARGE, (first, last) => large.seed(first, last, false), large.afterSettling);
  await prepareStore(history.url, LARGE, (first, last) => history.seed(first, last, true), history.afterSettling);
  console.log(`Seeded the two ${LARGE.toLocaleString('en-US')}-job stores in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  const mix = await timePagesSideBySide(small.url, large.url);
  const withHistory = await timePagesSideBySide(small.url, history.url);
  console.log(`Timed the pages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { mix, history: withHistory };
}

function printTables(store: string, { mix, history }: { mix: Medians; history: Medians }): void {
  printTable(`${store}, ${LARGE.toLocaleString('en-US')} jobs of the mix (its backlog and recent rate grow with it)`, mix);
  printTable(`${store}, ${SMALL.toLocaleString('en-US')} jobs of the mix and ${(LARGE - SMALL).toLocaleString('en-US')} finished 3 to 33 days ago (the backlog and recent rate of ${SMALL.toLocaleString('en-US')})`, history);
}

function printTable(title: string, { small, large }: Medians): void {
  const sizeLabel = (jobs: number) => (jobs >= 1_000_000 ? `${jobs / 1_000_000}M` : `${jobs / 1000}k`);
  console.log(`\nDashboard pages over ${title}: server time of an HTTP GET on loopback, median of ${REPEATS} timed side by side with the other size after ${WARM_UP} warm-up, ms\n`);
  console.log(`| page | ${sizeLabel(SMALL)} ms | ${sizeLabel(LARGE)} ms | ratio | goal ≤1.5× met? |`);
  console.log('|---|---:|---:|---:|---|');
  for (const [label] of PAGES) {
    const a = small.get(label)!;
    const b = large.get(label)!;
    const ratio = b / a;
    console.log(`| ${label} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${ratio.toFixed(2)}× | ${ratio <= 1.5 ? 'yes' : 'no'} |`);
  }
}

const noAfterSettling = async () => {};
const dir = mkdtempSync(join(tmpdir(), 'conveyor-dashboard-bench-'));
try {
  printTables(
    'SQLite',
    await measure((name) => {
      const path = join(dir, `${name}.db`);
      return { url: `sqlite:${path}`, seed: async (first, last, history) => seed(path, first, last, history), afterSettling: noAfterSettling };
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes('--postgres')) {
  const schemas = ['small', 'large', 'history'].map((name) => `dashboard_bench_${name}_${process.pid}`);
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    const postgresStore = (name: string): BenchStore => {
      const schema = `dashboard_bench_${name}_${process.pid}`;
      return {
        url: `${PG_URL}?schema=${schema}`,
        seed: async (first, last, history) => {
          await admin.query(`ALTER TABLE ${schema}.jobs DISABLE TRIGGER jobs_events_on_insert`);
          // The first SMALL jobs are always the recent mix: the history variant adds history to them.
          await admin.query(PG_SEED(schema), [first, Math.min(last, SMALL), false, RECENT.ageMs, RECENT.spanMs]);
          const rest = history ? HISTORY : RECENT;
          if (last > SMALL) await admin.query(PG_SEED(schema), [SMALL + 1, last, history, rest.ageMs, rest.spanMs]);
        },
        // After the fingerprints are written, as autovacuum would by the time anyone looks: statistics
        // that still saw every fingerprint NULL mislead the planner, and index-only scans need the pages all-visible.
        afterSettling: async () => {
          await admin.query(`VACUUM ANALYZE ${schema}.jobs`);
        },
      };
    };
    printTables('PostgreSQL', await measure(postgresStore));
  } finally {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}
