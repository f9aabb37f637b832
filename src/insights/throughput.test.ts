/** Throughput buckets on the clock, counted from a real SQLite store, and the closed buckets kept between loads. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../sqlite/index.js';
import { jobDead, jobSucceeded } from '../store/state-updates.js';
import type { Store } from '../store/store.js';
import { bucketStarts, bucketTotal, emptyBuckets, THROUGHPUT_BUCKET_MS, THROUGHPUT_BUCKETS, ThroughputCounter } from './throughput.js';

/** 12:02:30: the open bucket started at 12:00. */
const now = new Date('2026-01-01T12:02:30Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

let directory: string;
let store: Store;
beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-throughput-'));
  store = openSqliteStore({ path: join(directory, 't.db') });
  await store.migrations.run({ now });
});
afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** A job of `queue` that finished (succeeded, or dead) at `at`. */
async function finishedAt(queue: string, at: Date, outcome: 'succeeded' | 'dead' = 'succeeded'): Promise<void> {
  const [inserted] = await store.jobs.insertMany({ jobs: [{ task: 't', queue, input: {}, priority: 0, runAt: at, maxAttempts: 1, dedupKey: null, concurrencyKey: null, traceContext: null }], now: at });
  const [job] = await store.jobs.claim({ queues: [queue], tasks: ['t'], workerId: 'w', limit: 1, now: at, leaseExpiresAt: new Date(at.getTime() + 60_000) });
  expect(job?.id).toBe(inserted?.job.id);
  const ref = { id: job!.id, attempt: job!.attempt, workerId: 'w' };
  const update = outcome === 'succeeded' ? jobSucceeded(ref, at, null) : jobDead(ref, at, { attempt: 1, message: 'x', stack: null, at });
  await store.jobs.setStateIfRunningMany({ updates: [update] });
}

describe('ThroughputCounter', () => {
  it('counts each queue in twelve five-minute buckets on the clock, the newest ending now', async () => {
    await finishedAt('mail', minutesAgo(1)); // 12:01:30, open bucket
    await finishedAt('mail', minutesAgo(2.5)); // 12:00:00, open bucket, at its start
    await finishedAt('mail', minutesAgo(3), 'dead'); // 11:59:30, the bucket before
    await finishedAt('reports', minutesAgo(57.5)); // 11:05:00, the oldest bucket
    await finishedAt('reports', minutesAgo(58)); // 11:04:30, before the hour's buckets
    const throughput = await new ThroughputCounter(store).load(now);
    expect([...throughput.keys()]).toEqual(['mail', 'reports']);
    const mail = throughput.get('mail')!;
    expect(mail).toHaveLength(THROUGHPUT_BUCKETS);
    expect(mail.map(bucketTotal)).toEqual([...Array(10).fill(0), 1, 2]);
    expect(mail.at(-2)).toMatchObject({ dead: 1, succeeded: 0 });
    expect(mail.at(-1)).toMatchObject({ from: new Date('2026-01-01T12:00:00Z'), to: now });
    expect(throughput.get('reports')!.map(bucketTotal)).toEqual([1, ...Array(11).fill(0)]);
    expect(throughput.get('reports')![0]!.from).toEqual(new Date('2026-01-01T11:05:00Z'));
  });

  it('keeps closed buckets and counts only the open one again, so a busy hour is read once', async () => {
    const counter = new ThroughputCounter(store);
    await finishedAt('mail', minutesAgo(20));
    expect((await counter.load(now)).get('mail')!.map(bucketTotal).reduce((a, b) => a + b)).toBe(1);
    // A job stamped into a closed bucket after it was counted is not seen (kept counts stand);
    // one in the open bucket is.
    await finishedAt('mail', minutesAgo(21));
    await finishedAt('mail', minutesAgo(1));
    const later = await counter.load(new Date(now.getTime() + 1000));
    expect(later.get('mail')!.map(bucketTotal)).toEqual([...Array(7).fill(0), 1, 0, 0, 0, 1]);
  });

  it('recounts a bucket that closed less than BUCKET_SETTLE_MS ago, for outcomes still committing', async () => {
    const justAfter = new Date('2026-01-01T12:00:05Z');
    const counter = new ThroughputCounter(store);
    await counter.load(justAfter);
    await finishedAt('mail', new Date('2026-01-01T11:59:59Z')); // committed after the first load
    const again = await counter.load(new Date('2026-01-01T12:00:06Z'));
    expect(again.get('mail')!.map(bucketTotal).at(-2)).toBe(1);
  });

  it('drops a bucket once it leaves the hour', async () => {
    const counter = new ThroughputCounter(store);
    await finishedAt('mail', minutesAgo(57));
    expect((await counter.load(now)).get('mail')!.map(bucketTotal)[0]).toBe(1);
    expect((await counter.load(new Date(now.getTime() + THROUGHPUT_BUCKET_MS))).has('mail')).toBe(false);
  });
});

describe('bucketStarts and emptyBuckets', () => {
  it('line up on five-minute marks, oldest first, the last holding now', () => {
    const starts = bucketStarts(now);
    expect(starts).toHaveLength(THROUGHPUT_BUCKETS);
    expect(new Date(starts[0]!).toISOString()).toBe('2026-01-01T11:05:00.000Z');
    expect(new Date(starts.at(-1)!).toISOString()).toBe('2026-01-01T12:00:00.000Z');
    const buckets = emptyBuckets(now);
    expect(buckets.at(-1)?.to).toEqual(now);
    expect(buckets.map(bucketTotal).every((total) => total === 0)).toBe(true);
  });
});
