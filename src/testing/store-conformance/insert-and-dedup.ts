import { expect } from 'vitest';
import type { Job, JobState } from '../../job.js';
import type { Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { at, getJob, jobInsert, jobInState, single, t0 } from './helpers.js';

async function jobsOfTask(store: Store, task: string): Promise<Job[]> {
  const page = await store.jobs.list({ filter: { task }, cursor: null, limit: 100 });
  return page.jobs;
}

export const insertTests: SuiteSection = (suite) => {
  suite.group('jobs.insertMany', { migrate: true }, (group) => {
    group.test('a job whose runAt has come is queued, a later one scheduled', async ({ store }) => {
      const results = await store.jobs.insertMany({
        jobs: [jobInsert({ runAt: at(5) }), jobInsert({ runAt: at(10) }), jobInsert({ runAt: at(11) })],
        now: at(10),
      });
      expect(results.map((r) => r.job.state)).toEqual(['queued', 'queued', 'scheduled']);
    });

    group.test('every field round-trips', async ({ store, harness }) => {
      const input = { user: { id: 42, name: 'Zoë ✓' }, tags: ['a', 'b'], ratio: 0.25, flag: true, nothing: null };
      const results = await store.jobs.insertMany({
        jobs: [
          jobInsert({
            task: 'reports.export',
            queue: 'reports',
            input,
            priority: 7,
            runAt: at(30),
            maxAttempts: 4,
            dedupKey: 'report:42',
            concurrencyKey: 'tenant:7',
          }),
        ],
        now: at(10),
      });
      const result = single(results, 'insert results');
      expect(result.duplicate).toBe(false);
      expect(result.job).toEqual({
        id: expect.any(String),
        task: 'reports.export',
        queue: 'reports',
        input,
        state: 'scheduled',
        priority: 7,
        runAt: at(30),
        attempt: 0,
        maxAttempts: 4,
        dedupKey: 'report:42',
        flowId: null,
        parentId: null,
        onChildFailure: 'fail',
        hasChildren: false,
        concurrencyKey: 'tenant:7',
        traceContext: null,
        progress: null,
        result: null,
        errors: [],
        workerId: null,
        leaseExpiresAt: null,
        cancelRequestedAt: null,
        createdAt: at(10),
        startedAt: null,
        finishedAt: null,
        updatedAt: at(10),
      });
      expect(await getJob(store, result.job.id)).toEqual(result.job);
      const other = await harness.openAnother();
      expect(await other.jobs.get({ id: result.job.id }), 'the job read by another store').toEqual(result.job);
    });

    group.test('inputs that are not objects round-trip', async ({ store }) => {
      const inputs: unknown[] = ['plain text', 42, -0.5, true, [1, 'two', { three: 3 }], null];
      const results = await store.jobs.insertMany({ jobs: inputs.map((input) => jobInsert({ input })), now: t0 });
      for (const [index, result] of results.entries()) {
        expect((await getJob(store, result.job.id)).input, `input ${index}`).toEqual(inputs[index]);
      }
    });

    group.test('results come back in input order, one job each', async ({ store }) => {
      const inserts = [
        jobInsert({ task: 'a', input: { i: 0 }, runAt: at(100) }),
        jobInsert({ task: 'b', input: { i: 1 }, priority: 5 }),
        jobInsert({ task: 'c', input: { i: 2 }, runAt: at(50) }),
        jobInsert({ task: 'a', input: { i: 3 }, dedupKey: 'k' }),
        jobInsert({ task: 'b', input: { i: 4 } }),
      ];
      const results = await store.jobs.insertMany({ jobs: inserts, now: t0 });
      expect(results.map((r) => [r.job.task, r.job.input])).toEqual(inserts.map((j) => [j.task, j.input]));
      expect(new Set(results.map((r) => r.job.id)).size).toBe(inserts.length);
      for (const result of results) expect(await getJob(store, result.job.id)).toEqual(result.job);
    });

    group.test('a second insert with the same task and dedup key returns the first job', async ({ store }) => {
      const first = await store.jobs.insertMany({
        jobs: [jobInsert({ task: 'sync', dedupKey: 'user:1', input: { first: true } })],
        now: t0,
      });
      const second = await store.jobs.insertMany({
        jobs: [jobInsert({ task: 'sync', dedupKey: 'user:1', input: { first: false }, priority: 9 })],
        now: at(1),
      });
      const original = single(first, 'first insert').job;
      expect(single(second, 'second insert')).toEqual({ job: original, duplicate: true });
      expect((await jobsOfTask(store, 'sync')).map((j) => j.id)).toEqual([original.id]);
    });

    group.test('the same dedup key twice in one batch inserts one job', async ({ store }) => {
      const results = await store.jobs.insertMany({
        jobs: [
          jobInsert({ task: 'sync', dedupKey: 'user:1', input: { n: 1 } }),
          jobInsert({ task: 'sync', dedupKey: null, input: { n: 2 } }),
          jobInsert({ task: 'sync', dedupKey: 'user:1', input: { n: 3 } }),
        ],
        now: t0,
      });
      expect(results.map((r) => r.duplicate)).toEqual([false, false, true]);
      const [first, , third] = results;
      expect(third?.job).toEqual(first?.job);
      expect(third?.job.input).toEqual({ n: 1 });
      expect(await jobsOfTask(store, 'sync')).toHaveLength(2);
    });

    group.test('the same dedup key under another task is not a duplicate', async ({ store }) => {
      const results = await store.jobs.insertMany({
        jobs: [jobInsert({ task: 'sync', dedupKey: 'user:1' }), jobInsert({ task: 'export', dedupKey: 'user:1' })],
        now: t0,
      });
      expect(results.map((r) => r.duplicate)).toEqual([false, false]);
      expect(results[0]?.job.id).not.toBe(results[1]?.job.id);
      expect(await jobsOfTask(store, 'export')).toHaveLength(1);
    });

    group.test('jobs without a dedup key are never duplicates', async ({ store }) => {
      const insert = jobInsert({ task: 'sync', dedupKey: null });
      await store.jobs.insertMany({ jobs: [insert, insert], now: t0 });
      const results = await store.jobs.insertMany({ jobs: [insert], now: t0 });
      expect(results.map((r) => r.duplicate)).toEqual([false]);
      expect(await jobsOfTask(store, 'sync')).toHaveLength(3);
    });

    const unfinished: JobState[] = ['scheduled', 'queued', 'running', 'failed'];
    for (const state of unfinished) {
      group.test(`a dedup key held by a ${state} job returns that job`, async ({ store }) => {
        const holder = await jobInState(store, state, { task: 'sync', dedupKey: 'user:1' });
        const results = await store.jobs.insertMany({ jobs: [jobInsert({ task: 'sync', dedupKey: 'user:1' })], now: at(5) });
        expect(single(results, 'insert results')).toEqual({ job: holder, duplicate: true });
        expect(await jobsOfTask(store, 'sync')).toHaveLength(1);
      });
    }

    const finished: JobState[] = ['succeeded', 'dead', 'cancelled'];
    for (const state of finished) {
      group.test(`the dedup key of a ${state} job is free again`, async ({ store }) => {
        const earlier = await jobInState(store, state, { task: 'sync', dedupKey: 'user:1' });
        const results = await store.jobs.insertMany({ jobs: [jobInsert({ task: 'sync', dedupKey: 'user:1' })], now: at(5) });
        const result = single(results, 'insert results');
        expect(result.duplicate).toBe(false);
        expect(result.job.id).not.toBe(earlier.id);
        expect(result.job).toMatchObject({ state: 'queued', dedupKey: 'user:1', attempt: 0 });
        expect(await getJob(store, earlier.id), `the ${state} job`).toEqual(earlier);
      });
    }
  });
};
