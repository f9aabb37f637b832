/**
 * Does a claim cost the same however many jobs wait or have finished? Builds three SQLite databases —
 * 1,000 queued; 1,000,000 queued; 1,000 queued beside 2,000,000 finished — and times claim-10 +
 * complete-10 through the store on each, in the same run. Run: `npm run bench:claim`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/sqlite/index.js';
import { jobSucceeded } from '../src/store/state-updates.js';

const ROUNDS = 400;
const BATCH = 10;

/** Fill the jobs table with generated rows, straight through SQL: fixture building, not what is measured. */
function populate(path: string, queued: number, finished: number): void {
  const db = new Database(path);
  const now = Date.now();
  const insert = db.prepare(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
    INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, attempt, max_attempts, created_at, updated_at, finished_at, result)
    SELECT 'noop', 'default', '{}', @state, 0, @now - @count + i, @attempt, 5, @now - @count + i, @now, @finishedAt, NULL FROM n`);
  db.transaction(() => {
    if (finished > 0) insert.run({ count: finished, state: 'succeeded', now, attempt: 1, finishedAt: now });
    insert.run({ count: queued, state: 'queued', now, attempt: 0, finishedAt: null });
  })();
  db.close();
}

async function measure(label: string, queued: number, finished: number): Promise<{ label: string; medianUs: number; p99Us: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-claim-'));
  const path = join(dir, 'bench.db');
  try {
    const store = openSqliteStore({ path });
    await store.migrations.run({ now: new Date() });
    populate(path, queued, finished);
    const samples: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = process.hrtime.bigint();
      const now = new Date();
      const jobs = await store.jobs.claim({ queues: ['default'], tasks: ['noop'], workerId: 'bench', limit: BATCH, now, leaseExpiresAt: new Date(now.getTime() + 30_000) });
      await store.jobs.setStateIfRunningMany({ updates: jobs.map((job) => jobSucceeded({ id: job.id, attempt: job.attempt, workerId: 'bench' }, now, null)) });
      samples.push(Number(process.hrtime.bigint() - started) / 1000);
      if (jobs.length !== BATCH) throw new Error(`claimed ${jobs.length} jobs, expected ${BATCH}`);
    }
    await store.close();
    samples.sort((a, b) => a - b);
    return { label, medianUs: samples[Math.floor(samples.length / 2)]!, p99Us: samples[Math.floor(samples.length * 0.99)]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [
  await measure('1,000 queued', 1_000 + ROUNDS * BATCH, 0),
  await measure('1,000,000 queued', 1_000_000, 0),
  await measure('1,000 queued + 2,000,000 finished', 1_000 + ROUNDS * BATCH, 2_000_000),
];
const base = rows[0]!.medianUs;
console.log(`claim ${BATCH} + complete ${BATCH} through the SQLite store, ${ROUNDS} rounds each`);
console.log('database                              median µs   p99 µs   vs 1,000 queued');
for (const row of rows) {
  console.log(`${row.label.padEnd(36)} ${row.medianUs.toFixed(0).padStart(9)} ${row.p99Us.toFixed(0).padStart(8)}   ${(row.medianUs / base).toFixed(2)}×`);
}
