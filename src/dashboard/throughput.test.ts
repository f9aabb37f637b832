/** Throughput buckets from cumulative "finished since" counts, and against a real store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketsFromCumulative, bucketTotal, emptyBuckets, loadThroughput, THROUGHPUT_BUCKET_MS, THROUGHPUT_BUCKETS } from './throughput.js';
import { sendEmail, startDashboardServer, type DashboardServer } from './testing/dashboard-server.js';

describe('bucketsFromCumulative', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const boundaries = [1, 2, 3].map((back) => new Date(now.getTime() - back * THROUGHPUT_BUCKET_MS));

  it('subtracts neighbours, oldest bucket first, per queue', () => {
    const throughput = bucketsFromCumulative(
      boundaries,
      [
        [{ queue: 'mail', state: 'succeeded', count: 2 }],
        [{ queue: 'mail', state: 'succeeded', count: 5 }, { queue: 'mail', state: 'dead', count: 1 }],
        [{ queue: 'mail', state: 'succeeded', count: 9 }, { queue: 'mail', state: 'dead', count: 1 }, { queue: 'reports', state: 'cancelled', count: 3 }],
      ],
      now,
    );
    expect([...throughput.keys()]).toEqual(['mail', 'reports']);
    expect(throughput.get('mail')?.map((bucket) => [bucket.succeeded, bucket.dead])).toEqual([[4, 0], [3, 1], [2, 0]]);
    expect(throughput.get('reports')?.map(bucketTotal)).toEqual([3, 0, 0]);
    const [oldest, , newest] = throughput.get('mail') ?? [];
    expect(oldest?.from).toEqual(boundaries[2]);
    expect(newest?.to).toEqual(now);
  });

  it('never counts below zero when a job was retried between two queries', () => {
    const throughput = bucketsFromCumulative(boundaries.slice(0, 2), [[{ queue: 'q', state: 'succeeded', count: 3 }], [{ queue: 'q', state: 'succeeded', count: 2 }]], now);
    expect(throughput.get('q')?.map(bucketTotal)).toEqual([0, 3]);
  });

  it('has empty buckets for a queue that finished nothing', () => {
    const buckets = emptyBuckets(now);
    expect(buckets).toHaveLength(THROUGHPUT_BUCKETS);
    expect(buckets.at(-1)?.to).toEqual(now);
    expect(buckets.map(bucketTotal).every((total) => total === 0)).toBe(true);
  });
});

describe('loadThroughput', () => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboardServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts jobs that finished in the last five minutes in the newest bucket', async () => {
    await server.startWorker([sendEmail]);
    const { job } = await server.conveyor.enqueue(sendEmail, { to: 'a@example.com', subject: 'x' });
    await server.conveyor.waitFor(job.id, { timeoutMs: 10_000 });
    const buckets = (await loadThroughput(server.conveyor)).get('mail') ?? [];
    expect(buckets.map(bucketTotal)).toEqual([...Array(THROUGHPUT_BUCKETS - 1).fill(0), 1]);
  });
});
