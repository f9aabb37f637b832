/**
 * `jobs.runNow`, an operator's "run now": only a job that waits for its time (scheduled, or failed
 * and waiting out its retry backoff) is queued at once; every other state is left as it is.
 */
import { expect } from 'vitest';
import type { SuiteSection } from './context.js';
import { at, claimJob, getJob, insertFlow, jobInState, unknownJobId, WORKER_B } from './helpers.js';

export const runNowTests: SuiteSection = (suite) => {
  suite.group('jobs.runNow', { migrate: true }, (group) => {
    for (const state of ['scheduled', 'failed'] as const) {
      group.test(`queues a ${state} job now, keeping its attempts and errors`, async ({ store }) => {
        const job = await jobInState(store, state, { maxAttempts: 3 }, { retryAt: at(3600) });
        expect(job.runAt, 'the job waits for a time ahead').toEqual(at(3600));
        const ran = await store.jobs.runNow({ id: job.id, now: at(100) });
        expect(ran).toMatchObject({ id: job.id, state: 'queued', runAt: at(100), attempt: job.attempt, maxAttempts: 3, errors: job.errors });
        expect(await getJob(store, job.id)).toEqual(ran);
        const claimed = await claimJob(store, job, { workerId: WORKER_B, now: at(100) });
        expect(claimed.attempt).toBe(job.attempt + 1);
      });
    }

    for (const state of ['queued', 'running', 'succeeded', 'dead', 'cancelled'] as const) {
      group.test(`a ${state} job is returned unchanged`, async ({ store }) => {
        const job = await jobInState(store, state);
        expect(await store.jobs.runNow({ id: job.id, now: at(100) })).toEqual(job);
        expect(await getJob(store, job.id)).toEqual(job);
      });
    }

    group.test('a flow job waiting for its children is returned unchanged', async ({ store }) => {
      const [root] = await insertFlow(store, [{}, { parentIndex: 0 }]);
      expect(root.state).toBe('waiting');
      expect(await store.jobs.runNow({ id: root.id, now: at(100) })).toEqual(root);
    });

    group.test('an unknown id returns null', async ({ store }) => {
      const id = await unknownJobId(store);
      expect(await store.jobs.runNow({ id, now: at(10) })).toBeNull();
      expect(await store.jobs.runNow({ id: 'not-an-id', now: at(10) })).toBeNull();
    });
  });
};
