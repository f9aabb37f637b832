/**
 * Queue limits (`queues.limitsSet`): every claim, by any store on the same database, takes only what
 * a queue's concurrency limit, per-key limit and rate limit leave free, counting the running jobs
 * and recent starts of every process.
 */
import { expect } from 'vitest';
import type { Job } from '../../job.js';
import { jobSucceeded } from '../../store/state-updates.js';
import type { QueueLimits, Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { applyUpdate, at, attemptRef, insertJob, WORKER_A, WORKER_B } from './helpers.js';

const NO_LIMITS: QueueLimits = { concurrency: null, perKey: null, rate: null };

function claim(store: Store, options: { queues?: string[]; limit?: number; now?: Date; workerId?: string } = {}) {
  return store.jobs.claim({
    queues: options.queues ?? ['limited'],
    tasks: ['conformance.task'],
    workerId: options.workerId ?? WORKER_A,
    limit: options.limit ?? 100,
    now: options.now ?? at(10),
    leaseExpiresAt: at(600),
  });
}

async function insertJobs(store: Store, keys: Array<string | null>, queue = 'limited'): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const concurrencyKey of keys) jobs.push(await insertJob(store, { queue, concurrencyKey }));
  return jobs;
}

async function finish(store: Store, job: Job): Promise<void> {
  expect(await applyUpdate(store, jobSucceeded(attemptRef(job), at(11), null))).toBe(true);
}

const ids = (jobs: Job[]) => jobs.map((job) => job.id);

export const limitTests: SuiteSection = (suite) => {
  suite.group('queues.limitsSet', { migrate: true }, (group) => {
    group.test('sets, replaces and clears the limits of a queue, listed with it; its pause state stays', async ({ store }) => {
      const limits = { concurrency: 5, perKey: 2, rate: { limit: 20, intervalMs: 1000 } };
      expect(await store.queues.limitsSet({ name: 'limited', limits, now: at(1) })).toEqual({
        name: 'limited',
        paused: false,
        pausedAt: null,
        updatedAt: at(1),
        limits,
      });
      await store.queues.pause({ name: 'limited', now: at(2) });
      expect(await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, perKey: 1 }, now: at(3) })).toEqual({
        name: 'limited',
        paused: true,
        pausedAt: at(2),
        updatedAt: at(3),
        limits: { ...NO_LIMITS, perKey: 1 },
      });
      await store.queues.resume({ name: 'limited', now: at(4) });
      expect(await store.queues.list()).toEqual([{ name: 'limited', paused: false, pausedAt: null, updatedAt: at(4), limits: { ...NO_LIMITS, perKey: 1 } }]);
      await store.queues.limitsSet({ name: 'limited', limits: NO_LIMITS, now: at(5) });
      expect((await store.queues.list())[0]?.limits).toEqual(NO_LIMITS);
    });

    group.test('a queue whose limits were cleared is claimed from without limits again', async ({ store }) => {
      await insertJobs(store, [null, null, null]);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, concurrency: 1 }, now: at(1) });
      expect(await claim(store)).toHaveLength(1);
      await store.queues.limitsSet({ name: 'limited', limits: NO_LIMITS, now: at(2) });
      expect(await claim(store)).toHaveLength(2);
    });
  });

  suite.group('jobs.claim with queue limits', { migrate: true }, (group) => {
    group.test('a job keeps the concurrency key it was inserted with', async ({ store }) => {
      const [keyed, unkeyed] = await insertJobs(store, ['tenant:1', null]);
      expect(keyed?.concurrencyKey).toBe('tenant:1');
      expect(unkeyed?.concurrencyKey).toBeNull();
      expect((await store.jobs.get({ id: (keyed as Job).id }))?.concurrencyKey).toBe('tenant:1');
    });

    group.test('a concurrency limit of 2 claims 2 of 5 jobs, in claim order; a finished job frees one slot', async ({ store }) => {
      const jobs = await insertJobs(store, [null, null, null, null, null]);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, concurrency: 2 }, now: at(1) });
      const first = await claim(store);
      expect(ids(first)).toEqual(ids(jobs.slice(0, 2)));
      expect(await claim(store, { workerId: WORKER_B })).toEqual([]);
      await finish(store, first[0] as Job);
      expect(ids(await claim(store, { workerId: WORKER_B }))).toEqual([jobs[2]?.id]);
      expect(await claim(store)).toEqual([]);
    });

    group.test('counts jobs that were running before the limit was set', async ({ store }) => {
      await insertJobs(store, [null, null, null, null]);
      expect(await claim(store, { limit: 3 })).toHaveLength(3);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, concurrency: 2 }, now: at(1) });
      expect(await claim(store)).toEqual([]);
    });

    group.test('a per-key limit of 1 claims one job per key; jobs without a key are not limited by key', async ({ store }) => {
      const jobs = await insertJobs(store, ['a', 'a', 'b', 'a', 'b', null, null]);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, perKey: 1 }, now: at(1) });
      const first = await claim(store);
      expect(ids(first)).toEqual(ids([jobs[0], jobs[2], jobs[5], jobs[6]] as Job[]));
      expect(await claim(store)).toEqual([]);
      await finish(store, first[0] as Job);
      expect(ids(await claim(store))).toEqual([jobs[1]?.id]);
    });

    group.test('a per-key limit of 2 counts the running jobs of each key', async ({ store }) => {
      const jobs = await insertJobs(store, ['a', 'a', 'a', 'b', 'b', 'b']);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, perKey: 2 }, now: at(1) });
      expect(ids(await claim(store, { limit: 1 }))).toEqual([jobs[0]?.id]);
      expect(ids(await claim(store))).toEqual(ids([jobs[1], jobs[3], jobs[4]] as Job[]));
      expect(await claim(store)).toEqual([]);
    });

    group.test('concurrency and per-key limits together: each holds where the other alone would allow more', async ({ store }) => {
      // Alone, the concurrency limit would take a, a and the per-key limit a, b, c.
      const jobs = await insertJobs(store, ['a', 'a', 'b', 'b', 'c', 'c']);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, concurrency: 2, perKey: 1 }, now: at(1) });
      const claimed = await claim(store);
      expect(claimed).toHaveLength(2);
      expect(ids(claimed)).toEqual(ids([jobs[0], jobs[2]] as Job[]));
      expect(new Set(claimed.map((job) => job.concurrencyKey)).size).toBe(2);
      expect(await claim(store)).toEqual([]);
      // One slot frees: the concurrency limit allows one more, the per-key limit picks the next a (c would come too without the concurrency limit).
      await finish(store, claimed[0] as Job);
      expect(ids(await claim(store))).toEqual([jobs[1]?.id]);
      expect(await claim(store)).toEqual([]);
    });

    group.test('a rate limit of 3 per second: 3 starts, then none until a second after them', async ({ store }) => {
      const jobs = await insertJobs(store, [null, null, null, null, null]);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, rate: { limit: 3, intervalMs: 1000 } }, now: at(1) });
      expect(ids(await claim(store, { now: at(10), limit: 2 }))).toEqual(ids(jobs.slice(0, 2)));
      expect(ids(await claim(store, { now: at(10.5) }))).toEqual([jobs[2]?.id]);
      expect(await claim(store, { now: at(10.6) })).toEqual([]);
      expect(await claim(store, { now: at(10.999) })).toEqual([]);
      // At 11 s the two starts at 10 s left the window; the one at 10.5 s is still in it.
      expect(ids(await claim(store, { now: at(11) }))).toEqual(ids(jobs.slice(3, 5)));
    });

    group.test('a paused limited queue is not claimed from', async ({ store }) => {
      await insertJobs(store, [null]);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, concurrency: 5 }, now: at(1) });
      await store.queues.pause({ name: 'limited', now: at(2) });
      expect(await claim(store)).toEqual([]);
    });

    group.test('one claim over a limited and an unlimited queue takes the limited share and the rest', async ({ store }) => {
      const limited = await insertJobs(store, [null, null, null]);
      const free = await insertJobs(store, [null, null, null], 'free');
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, concurrency: 1 }, now: at(1) });
      const claimed = await claim(store, { queues: ['limited', 'free'] });
      expect(ids(claimed).sort()).toEqual(ids([limited[0] as Job, ...free]).sort());
    });

    group.test('many claims through two stores at once never exceed the limits', async ({ store, harness }) => {
      const other = await harness.openAnother();
      await insertJobs(store, ['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd', null, null, null, null]);
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, concurrency: 5, perKey: 1 }, now: at(1) });
      const claims = Array.from({ length: 16 }, (_, index) =>
        claim(index % 2 === 0 ? store : other, { limit: 2, workerId: index % 2 === 0 ? WORKER_A : WORKER_B }),
      );
      const claimed = (await Promise.all(claims)).flat();
      expect(claimed).toHaveLength(5);
      expect(new Set(ids(claimed)).size).toBe(5);
      const claimedKeys = claimed.map((job) => job.concurrencyKey).filter((key) => key !== null);
      expect(new Set(claimedKeys).size).toBe(claimedKeys.length);
      const running = await store.jobs.list({ filter: { states: ['running'], queue: 'limited' }, cursor: null, limit: 100 });
      expect(running.jobs).toHaveLength(5);
    });

    group.test('many rate-limited claims through two stores at once start no more than the limit', async ({ store, harness }) => {
      const other = await harness.openAnother();
      await insertJobs(store, Array.from({ length: 12 }, () => null));
      await store.queues.limitsSet({ name: 'limited', limits: { ...NO_LIMITS, rate: { limit: 4, intervalMs: 60_000 } }, now: at(1) });
      const claims = Array.from({ length: 12 }, (_, index) => claim(index % 2 === 0 ? store : other, { limit: 1 }));
      expect((await Promise.all(claims)).flat()).toHaveLength(4);
    });
  });
};
