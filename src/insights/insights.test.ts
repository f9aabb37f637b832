/**
 * `conveyor.insights` over a real SQLite file: what `GET /queues`, `/metrics`, `/ready`, the failure
 * routes and the dashboard read. Jobs are brought to their states through the store, at chosen
 * times, so the windows (the last minute, the hour's buckets) are exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { openSqliteStore } from '../sqlite/index.js';
import { jobDead, jobSucceeded } from '../store/state-updates.js';
import type { JobStateUpdate, Store } from '../store/store.js';
import { DEPTH_STATES } from './queue-overview.js';

let directory: string;
let store: Store;
let conveyor: Conveyor;
beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-insights-'));
  store = openSqliteStore({ path: join(directory, 'insights.db') });
  conveyor = await Conveyor.open({ store, logger: pino({ level: 'silent' }) });
});
afterEach(async () => {
  await conveyor.close();
  rmSync(directory, { recursive: true, force: true });
});

const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000);

async function insert(queue: string, task = 't', at = new Date()): Promise<string> {
  const [inserted] = await store.jobs.insertMany({ jobs: [{ task, queue, input: {}, priority: 0, runAt: at, maxAttempts: 1, dedupKey: null, concurrencyKey: null, traceContext: null }], now: at });
  return inserted!.job.id;
}

/** Claim the queue's next job at `at` and record `outcome` for it. */
async function finish(queue: string, at: Date, outcome: (ref: { id: string; attempt: number; workerId: string }) => JobStateUpdate): Promise<string> {
  const [job] = await store.jobs.claim({ queues: [queue], tasks: ['t'], workerId: 'w', limit: 1, now: at, leaseExpiresAt: new Date(at.getTime() + 60_000) });
  await store.jobs.setStateIfRunningMany({ updates: [outcome({ id: job!.id, attempt: job!.attempt, workerId: 'w' })] });
  return job!.id;
}

const succeeded = (at: Date) => (ref: { id: string; attempt: number; workerId: string }) => jobSucceeded(ref, at, null);
const died = (at: Date, message: string) => (ref: { id: string; attempt: number; workerId: string }) => jobDead(ref, at, { attempt: 1, message, stack: `Error: ${message}\n    at run (/app/tasks.ts:1:1)`, at });

describe('queue overviews', () => {
  it('count each queue by state, its jobs finished in the last minute, and show pause state and limits', async () => {
    await insert('mail', 't', secondsAgo(120));
    await finish('mail', secondsAgo(120), succeeded(secondsAgo(120))); // finished before the minute
    await insert('mail', 't', secondsAgo(30));
    await finish('mail', secondsAgo(30), succeeded(secondsAgo(30)));
    await insert('mail', 't', secondsAgo(20));
    await finish('mail', secondsAgo(20), died(secondsAgo(20), 'boom'));
    await insert('mail');
    await insert('mail');
    await insert('reports', 't', secondsAgo(10));
    await finish('reports', secondsAgo(10), succeeded(secondsAgo(10))); // only succeeded: listed by its throughput
    await conveyor.pauseQueue('idle');
    await conveyor.setQueueLimits('idle', { concurrency: 3 });

    const overviews = await conveyor.insights.queueOverviews();
    expect(overviews.map((queue) => queue.name)).toEqual(['idle', 'mail', 'reports']);
    const [idle, mail, reports] = overviews;
    expect(mail).toMatchObject({ depth: { queued: 2, dead: 1, running: 0 }, finishedLastMinute: { succeeded: 1, dead: 1, cancelled: 0 }, running: 0, paused: false, pausedAt: null });
    expect(Object.keys(mail!.depth).sort()).toEqual([...DEPTH_STATES].sort());
    expect(reports).toMatchObject({ finishedLastMinute: { succeeded: 1, dead: 0, cancelled: 0 }, depth: { queued: 0, dead: 0 } });
    expect(idle).toMatchObject({ paused: true, limits: { concurrency: 3, perKey: null, rate: null } });
    expect(idle?.pausedAt).toBeInstanceOf(Date);

    const resumed = await conveyor.resumeQueue('mail');
    expect(await conveyor.insights.queueOverview(resumed)).toEqual(mail);
  });

  it('count jobs by queue, task and state, leaving succeeded jobs out', async () => {
    await insert('mail', 'a');
    await insert('mail', 't', secondsAgo(5));
    await finish('mail', secondsAgo(5), succeeded(secondsAgo(5)));
    expect(await conveyor.insights.jobCounts()).toEqual([expect.objectContaining({ queue: 'mail', task: 'a', state: 'queued', count: 1 })]);
  });

  it('give the hour’s throughput per queue, the same however often it is read', async () => {
    await insert('mail', 't', secondsAgo(30));
    await finish('mail', secondsAgo(30), succeeded(secondsAgo(30)));
    const now = new Date();
    const first = await conveyor.insights.throughput(now);
    expect([...first.keys()]).toEqual(['mail']);
    expect(first.get('mail')?.reduce((sum, bucket) => sum + bucket.succeeded, 0)).toBe(1);
    expect(await conveyor.insights.throughput(now)).toEqual(first);
  });
});

describe('failure groups', () => {
  it('group dead jobs by fingerprint and retry one group only, through conveyor.retry', async () => {
    const timeouts: string[] = [];
    for (const order of [17, 42]) {
      await insert('billing');
      timeouts.push(await finish('billing', new Date(), died(new Date(), `Order ${order} timed out`)));
    }
    await insert('billing');
    const other = await finish('billing', new Date(), died(new Date(), 'Card declined'));

    const report = await conveyor.insights.failureGroups();
    expect(report).toMatchObject({ scanned: 3, capped: false });
    expect(report.groups.map((group) => [group.message, group.count])).toEqual([
      ['Order <n> timed out', 2],
      ['Card declined', 1],
    ]);

    const result = await conveyor.insights.retryFailureGroup(report.groups[0]!.fingerprint);
    expect(result).toEqual({ matched: 2, retried: [...timeouts].reverse(), failed: [] });
    for (const id of timeouts) expect((await conveyor.getJob(id))?.state).toBe('queued');
    expect((await conveyor.getJob(other))?.state).toBe('dead');
    expect((await conveyor.insights.retryFailureGroup('0123456789abcdef')).matched).toBe(0);
  });

  it('count, per group, the jobs that failed in the last hour: how much it grew lately', async () => {
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    await insert('billing', 't', twoHoursAgo);
    await finish('billing', twoHoursAgo, died(twoHoursAgo, 'Order 1 timed out'));
    for (const order of [2, 3]) {
      await insert('billing');
      await finish('billing', new Date(), died(new Date(), `Order ${order} timed out`));
    }
    await insert('billing', 't', twoHoursAgo);
    await finish('billing', twoHoursAgo, died(twoHoursAgo, 'Card declined'));
    const { groups } = await conveyor.insights.failureGroups();
    expect(groups.map((group) => [group.message, group.count, group.lastHour])).toEqual([
      ['Order <n> timed out', 3, 2],
      ['Card declined', 1, 0],
    ]);
  });
});

describe('readiness', () => {
  it('checks the store, the migrations and the workers, and names what fails', async () => {
    const readiness = await conveyor.insights.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.map((check) => [check.name, check.ok])).toEqual([
      ['store', true],
      ['migrations', true],
      ['live-worker', false],
      ['orphaned-jobs', true],
      ['stalled-workers', true],
      ['dependencies', true],
    ]);
    expect(readiness.checks[2]?.detail).toBe('no live worker: none is registered');
  });

  it('uses the orphan report it is given', async () => {
    const orphanReport = () => Promise.resolve({ jobs: [], stalledWorkers: [], liveWorkers: [], queuedByTask: {} });
    await insert('mail');
    // The real report would name the queued job no worker serves; the one given names none.
    const readiness = await conveyor.insights.readiness({ orphanReport });
    expect(readiness.checks.find((check) => check.name === 'orphaned-jobs')?.ok).toBe(true);
  });
});
