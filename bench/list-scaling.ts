/**
 * Are the dashboard's job listings fast with a million rows? Builds one database per store with
 * 1,000,000 jobs (mostly succeeded history, some dead with errors, some queued and failed, a rare
 * task and a rare word), then times a page of 50 through `store.jobs.list` for each filter the
 * dashboard offers, in the same run. Run: `npm run bench:list` (`-- --jobs 200000` for a quicker one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from '../src/postgres/index.js';
import { openSqliteStore } from '../src/sqlite/index.js';
import type { JobListFilter, Store } from '../src/store/store.js';

const JOBS = Number(process.argv[process.argv.indexOf('--jobs') + 1] ?? 0) || 1_000_000;
const REPEATS = 7;
const PAGE = 50;
const PG_URL = process.env.CONVEYOR_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The mix, by id (1 = oldest): every 50th job dead with an error, every 200th failed, the newest
 * 10,000 queued, the rest succeeded; tasks task.0–task.19 on queues q0–q3, except 10 jobs of
 * `rare.task` among the oldest; 5 jobs with the word "needle" in their input, the oldest of all.
 */
const MIX = {
  state: (i: string, n: string) => `CASE WHEN ${i} > ${n} - 10000 THEN 'queued' WHEN ${i} % 50 = 0 THEN 'dead' WHEN ${i} % 200 = 7 THEN 'failed' ELSE 'succeeded' END`,
  task: (i: string) => `CASE WHEN ${i} <= 10 THEN 'rare.task' ELSE 'task.' || (${i} % 20) END`,
  queue: (i: string) => `'q' || (${i} % 4)`,
};

const FILTERS: Array<[string, JobListFilter]> = [
  ['newest (no filter)', {}],
  ['state = dead', { states: ['dead'] }],
  ['state = queued', { states: ['queued'] }],
  ['state = succeeded', { states: ['succeeded'] }],
  ['task = task.3', { task: 'task.3' }],
  ['queue = q2', { queue: 'q2' }],
  ['created in the last 10 min', { createdAfter: new Date(Date.now() - 600_000) }],
  ['text "timeout" (in errors)', { text: 'timeout' }],
  ['state = dead + task = task.10', { states: ['dead'], task: 'task.10' }],
  ['task = rare.task (10 oldest jobs)', { task: 'rare.task' }],
  ['text "needle" (5 oldest jobs)', { text: 'needle' }],
];

async function timeFilters(store: Store): Promise<Map<string, number>> {
  const medians = new Map<string, number>();
  for (const [label, filter] of FILTERS) {
    const samples: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const start = performance.now();
      await store.jobs.list({ filter, cursor: null, limit: PAGE });
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    medians.set(label, samples[Math.floor(samples.length / 2)]!);
  }
  return medians;
}

async function sqlite(): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-list-'));
  try {
    const path = join(dir, 'list.db');
    const store = openSqliteStore({ path });
    await store.migrations.run({ now: new Date() });
    const db = new Database(path);
    const now = Date.now();
    db.exec('DROP TRIGGER conveyor_jobs_event_on_insert'); // fixture building: no events for a million inserts
    db.prepare(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
      INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, attempt, max_attempts, errors, created_at, updated_at, finished_at)
      SELECT ${MIX.task('i')}, ${MIX.queue('i')},
        CASE WHEN i <= 5 THEN '{"note":"a needle"}' ELSE '{"n":' || i || ',"email":"user' || i || '@example.com"}' END,
        ${MIX.state('i', '@count')}, 0, @now - (@count - i) * 100, 1, 3,
        CASE WHEN i % 50 = 0 THEN '[{"attempt":3,"message":"connect timeout after 30000 ms","stack":null,"at":' || @now || '}]' ELSE '[]' END,
        @now - (@count - i) * 100, @now, CASE WHEN i > @count - 10000 THEN NULL ELSE @now END
      FROM n`).run({ count: JOBS, now });
    db.exec('ANALYZE');
    db.close();
    const medians = await timeFilters(store);
    await store.close();
    return medians;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(): Promise<Map<string, number>> {
  const schema = `list_bench_${process.pid}`;
  const store = openPostgresStore({ url: PG_URL, schema });
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await store.migrations.run({ now: new Date() });
    await admin.query(`ALTER TABLE ${schema}.jobs DISABLE TRIGGER jobs_events_on_insert`);
    await admin.query(
      `INSERT INTO ${schema}.jobs (task, queue, input, state, priority, run_at, attempt, max_attempts, errors, created_at, updated_at, finished_at)
       SELECT ${MIX.task('i')}, ${MIX.queue('i')},
         CASE WHEN i <= 5 THEN '{"note":"a needle"}'::json ELSE json_build_object('n', i, 'email', 'user' || i || '@example.com') END,
         ${MIX.state('i', '$1')}, 0, now() - ($1 - i) * interval '100 ms', 1, 3,
         CASE WHEN i % 50 = 0 THEN jsonb_build_array(jsonb_build_object('attempt', 3, 'message', 'connect timeout after 30000 ms', 'stack', null, 'at', now())) ELSE '[]'::jsonb END,
         now() - ($1 - i) * interval '100 ms', now(), CASE WHEN i > $1 - 10000 THEN NULL ELSE now() END
       FROM generate_series(1, $1::int) AS i`,
      [JOBS],
    );
    await admin.query(`VACUUM ANALYZE ${schema}.jobs`);
    return await timeFilters(store);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

console.log(`A page of ${PAGE} jobs through store.jobs.list, over ${JOBS.toLocaleString('en-US')} jobs; median of ${REPEATS} runs, ms`);
const sqliteMs = await sqlite();
const postgresMs = await postgres();
console.log(`${'filter'.padEnd(36)} ${'SQLite'.padStart(9)} ${'PostgreSQL'.padStart(11)}`);
for (const [label] of FILTERS) {
  console.log(`${label.padEnd(36)} ${sqliteMs.get(label)!.toFixed(1).padStart(9)} ${postgresMs.get(label)!.toFixed(1).padStart(11)}`);
}
