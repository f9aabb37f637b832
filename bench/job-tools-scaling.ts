/**
 * Are the dashboard's job tools fast with a million jobs? Builds one database per store with
 * 1,000,000 jobs (as `list-scaling.ts`: mostly succeeded, every 50th dead, every 200th failed, the
 * newest 10,000 queued) plus a flow of 10,000 jobs, then times, through a Conveyor on that store:
 * the bulk confirm page's counts (retry of dead jobs, delete and cancel without a state filter), one
 * bulk batch of 500 retries and of 500 deletes, and the flow tree's read (first 501 of 10,000 jobs).
 * Run: `npx tsx bench/job-tools-scaling.ts` (`-- --jobs 200000` for a quicker one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { Conveyor } from '../src/conveyor.js';
import { countBulk, runBulkBatch } from '../src/dashboard/bulk-actions.js';
import { FLOW_TREE_LIMIT } from '../src/dashboard/pages/flow-tree.js';

const JOBS = Number(process.argv[process.argv.indexOf('--jobs') + 1] ?? 0) || 1_000_000;
const FLOW_JOBS = 10_000;
const PG_URL = process.env.CONVEYOR_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const STATE = (i: string, n: string) => `CASE WHEN ${i} > ${n} - 10000 THEN 'queued' WHEN ${i} % 50 = 0 THEN 'dead' WHEN ${i} % 200 = 7 THEN 'failed' ELSE 'succeeded' END`;

type Timings = Map<string, number>;

/** Median of 5 runs of a read; one run of a write (it changes what the next would see). */
async function measure(conveyor: Conveyor): Promise<Timings> {
  const timings: Timings = new Map();
  const median = async (label: string, read: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let run = 0; run < 5; run += 1) {
      const start = performance.now();
      await read();
      samples.push(performance.now() - start);
    }
    timings.set(label, samples.sort((a, b) => a - b)[2] ?? Number.NaN);
  };
  const once = async (label: string, write: () => Promise<unknown>) => {
    const start = performance.now();
    await write();
    timings.set(label, performance.now() - start);
  };
  const flow = await conveyor.flows.enqueue({ task: 'bench.root', input: {}, children: Array.from({ length: FLOW_JOBS - 1 }, (_, index) => ({ task: 'bench.leaf', input: { index } })) });
  const none = { done: 0, changed: 0, skipped: 0 };
  await median('count: retry state=dead', () => countBulk(conveyor, 'retry', { states: ['dead'] }));
  await median('count: cancel (no filter)', () => countBulk(conveyor, 'cancel', {}));
  await median('count: delete (no filter, reads succeeded)', () => countBulk(conveyor, 'delete', {}));
  await median(`flow tree: first ${FLOW_TREE_LIMIT + 1} of ${FLOW_JOBS}`, () => conveyor.flows.listJobs(flow.id, { limit: FLOW_TREE_LIMIT + 1 }));
  await once('batch: retry 500 dead', () => runBulkBatch(conveyor, 'retry', { states: ['dead'] }, null, none));
  await once('batch: delete 500 finished', () => runBulkBatch(conveyor, 'delete', { queue: 'q1' }, null, none));
  return timings;
}

async function open(store: string): Promise<Conveyor> {
  const { defineTask } = await import('../src/task.js');
  const { z } = await import('zod');
  const tasks = ['bench.root', 'bench.leaf', ...Array.from({ length: 20 }, (_, index) => `task.${index}`)].map((name) => defineTask({ name, queue: 'bench', input: z.unknown(), run: () => null }));
  return Conveyor.open({ store, tasks, logger: pino({ level: 'silent' }) });
}

async function sqlite(): Promise<Timings> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-job-tools-'));
  try {
    const path = join(dir, 'bench.db');
    const conveyor = await open(`sqlite:${path}`);
    const db = new Database(path);
    db.exec('DROP TRIGGER conveyor_jobs_event_on_insert');
    db.prepare(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
      INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, attempt, max_attempts, errors, created_at, updated_at, finished_at)
      SELECT 'task.' || (i % 20), 'q' || (i % 4), '{"n":' || i || '}', ${STATE('i', '@count')}, 0, @now - (@count - i) * 100, 1, 3, '[]',
        @now - (@count - i) * 100, @now, CASE WHEN i > @count - 10000 THEN NULL ELSE @now END
      FROM n`).run({ count: JOBS, now: Date.now() });
    db.exec('ANALYZE');
    db.close();
    try {
      return await measure(conveyor);
    } finally {
      await conveyor.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(): Promise<Timings> {
  const schema = `job_tools_bench_${process.pid}`;
  const conveyor = await open(`${PG_URL}?schema=${schema}`);
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER TABLE ${schema}.jobs DISABLE TRIGGER jobs_events_on_insert`);
    await admin.query(
      `INSERT INTO ${schema}.jobs (task, queue, input, state, priority, run_at, attempt, max_attempts, errors, created_at, updated_at, finished_at)
       SELECT 'task.' || (i % 20), 'q' || (i % 4), json_build_object('n', i), ${STATE('i', '$1')}, 0, now() - ($1 - i) * interval '100 ms', 1, 3, '[]'::jsonb,
         now() - ($1 - i) * interval '100 ms', now(), CASE WHEN i > $1 - 10000 THEN NULL ELSE now() END
       FROM generate_series(1, $1::int) AS i`,
      [JOBS],
    );
    await admin.query(`ALTER TABLE ${schema}.jobs ENABLE TRIGGER jobs_events_on_insert`);
    await admin.query(`VACUUM ANALYZE ${schema}.jobs`);
    return await measure(conveyor);
  } finally {
    await conveyor.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

console.log(`The dashboard's job tools over ${JOBS.toLocaleString('en-US')} jobs and a flow of ${FLOW_JOBS.toLocaleString('en-US')}, ms (reads: median of 5; batches: one run)`);
const sqliteMs = await sqlite();
const postgresMs = await postgres();
console.log(`${'operation'.padEnd(44)} ${'SQLite'.padStart(9)} ${'PostgreSQL'.padStart(11)}`);
for (const [label, ms] of sqliteMs) console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(9)} ${(postgresMs.get(label) ?? Number.NaN).toFixed(1).padStart(11)}`);
