import { expect } from 'vitest';
import { ConveyorStateError } from '../../errors.js';
import type { JobState } from '../../job.js';
import { jobCancelled } from '../../store/state-updates.js';
import type { SuiteSection } from './context.js';
import {
  applyUpdate,
  at,
  attemptRef,
  claimJob,
  getJob,
  insertJob,
  jobInState,
  rejectionOf,
  unknownJobId,
  WORKER_B,
} from './helpers.js';

export const cancelTests: SuiteSection = (suite) => {
  suite.group('jobs.cancel', { migrate: true }, (group) => {
    for (const state of ['scheduled', 'queued', 'failed'] as const) {
      group.test(`cancels a ${state} job at once`, async ({ store }) => {
        const job = await jobInState(store, state);
        const cancelled = await store.jobs.cancel({ id: job.id, now: at(10) });
        expect(cancelled).toMatchObject({ id: job.id, state: 'cancelled', finishedAt: at(10) });
        expect(await getJob(store, job.id)).toEqual(cancelled);
        const claimed = await store.jobs.claim({
          queues: [job.queue],
          tasks: [job.task],
          workerId: WORKER_B,
          limit: 10,
          now: at(5000),
          leaseExpiresAt: at(5060),
        });
        expect(claimed, 'jobs claimable after the cancel').toEqual([]);
      });
    }

    group.test('a running job keeps running with a cancel request', async ({ store }) => {
      const running = await jobInState(store, 'running');
      const requested = await store.jobs.cancel({ id: running.id, now: at(10) });
      expect(requested).toEqual({ ...running, cancelRequestedAt: at(10), updatedAt: expect.any(Date) });
      expect(await getJob(store, running.id)).toEqual(requested);
    });

    for (const state of ['succeeded', 'dead', 'cancelled'] as const) {
      group.test(`a ${state} job is returned unchanged`, async ({ store }) => {
        const job = await jobInState(store, state);
        expect(await store.jobs.cancel({ id: job.id, now: at(10) })).toEqual(job);
        expect(await getJob(store, job.id)).toEqual(job);
      });
    }

    group.test('an unknown id returns null', async ({ store }) => {
      const id = await unknownJobId(store);
      expect(await store.jobs.cancel({ id, now: at(10) })).toBeNull();
      expect(await store.jobs.get({ id })).toBeNull();
    });
  });

  suite.group('jobs.retry', { migrate: true }, (group) => {
    const retryable: Array<{ state: JobState; maxAttempts: number }> = [
      { state: 'dead', maxAttempts: 1 },
      { state: 'cancelled', maxAttempts: 3 },
      { state: 'failed', maxAttempts: 3 },
      { state: 'succeeded', maxAttempts: 1 },
    ];
    for (const { state, maxAttempts } of retryable) {
      group.test(`queues a ${state} job again, now, with an attempt left`, async ({ store }) => {
        const job = await jobInState(store, state, { maxAttempts });
        const retried = await store.jobs.retry({ id: job.id, now: at(100) });
        expect(retried).toMatchObject({ id: job.id, state: 'queued', runAt: at(100), errors: job.errors });
        expect(retried?.maxAttempts).toBeGreaterThanOrEqual(job.attempt + 1);
        expect(await getJob(store, job.id)).toEqual(retried);
        const claimed = await claimJob(store, job, { workerId: WORKER_B, now: at(100) });
        expect(claimed.attempt).toBe(job.attempt + 1);
      });
    }

    for (const state of ['scheduled', 'queued', 'running'] as const) {
      group.test(`a ${state} job is returned unchanged`, async ({ store }) => {
        const job = await jobInState(store, state);
        expect(await store.jobs.retry({ id: job.id, now: at(10) })).toEqual(job);
        expect(await getJob(store, job.id)).toEqual(job);
      });
    }

    group.test('an unknown id returns null', async ({ store }) => {
      const id = await unknownJobId(store);
      expect(await store.jobs.retry({ id, now: at(10) })).toBeNull();
      expect(await store.jobs.get({ id })).toBeNull();
    });

    group.test('retrying a job whose dedup key another unfinished job now holds is refused', async ({ store }) => {
      const finished = await jobInState(store, 'cancelled', { task: 'sync', dedupKey: 'user:1' });
      const holder = await insertJob(store, { task: 'sync', dedupKey: 'user:1', now: at(5) });
      const error = await rejectionOf(store.jobs.retry({ id: finished.id, now: at(10) }));
      expect(error).toBeInstanceOf(ConveyorStateError);
      expect(await getJob(store, finished.id)).toEqual(finished);
      expect(await getJob(store, holder.id)).toEqual(holder);
    });

    group.test('a retried job that had a cancel request runs without it', async ({ store }) => {
      const running = await jobInState(store, 'running');
      await store.jobs.cancel({ id: running.id, now: at(3) });
      expect(await applyUpdate(store, jobCancelled(attemptRef(running), at(4), null))).toBe(true);
      await store.jobs.retry({ id: running.id, now: at(10) });
      await claimJob(store, running, { workerId: WORKER_B, now: at(10), leaseExpiresAt: at(70) });
      const leases = await store.jobs.leaseExtend({ workerId: WORKER_B, leaseExpiresAt: at(80) });
      expect(leases).toEqual([{ id: running.id, attempt: 2, cancelRequested: false }]);
    });
  });
};
