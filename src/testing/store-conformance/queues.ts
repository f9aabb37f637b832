/**
 * Pausing and resuming queues (`queues.pause`, `queues.resume`, `queues.list`): a paused queue's jobs are
 * not claimed, by this store or any other on the same database, until it is resumed; jobs already
 * running are left to finish.
 */
import { expect } from 'vitest';
import { jobSucceeded } from '../../store/state-updates.js';
import type { Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { applyUpdate, at, attemptRef, claimJob, expectState, insertJob, sortedIds, WORKER_A } from './helpers.js';
import { collect, listening, settle } from './notices.js';

const NO_LIMITS = { concurrency: null, perKey: null, rate: null };

/** Claim every due job of these queues for the conformance task, at `now`. */
function claimAll(store: Store, queues: string[], now = at(10)) {
  return store.jobs.claim({ queues, tasks: ['conformance.task'], workerId: WORKER_A, limit: 100, now, leaseExpiresAt: at(600) });
}

export const queueTests: SuiteSection = (suite) => {
  suite.group('queues.pause', { migrate: true }, (group) => {
    group.test('a paused queue is not claimed from; other queues of the same claim still are', async ({ store }) => {
      const paused = [await insertJob(store, { queue: 'mail' }), await insertJob(store, { queue: 'mail', priority: 10 })];
      const other = await insertJob(store, { queue: 'reports' });
      expect(await store.queues.pause({ name: 'mail', now: at(5) })).toEqual({ name: 'mail', paused: true, pausedAt: at(5), updatedAt: at(5), limits: NO_LIMITS });

      expect(sortedIds(await claimAll(store, ['mail', 'reports']))).toEqual([other.id]);
      expect(await claimAll(store, ['mail'])).toEqual([]);
      for (const job of paused) expect(await expectState(store, job.id, 'queued')).toEqual(job);
    });

    group.test('a pause through one store stops claims through another on the same database', async ({ store, harness }) => {
      const other = await harness.openAnother();
      const job = await insertJob(store, { queue: 'mail' });
      await store.queues.pause({ name: 'mail', now: at(5) });
      expect(await claimAll(other, ['mail'])).toEqual([]);
      await other.queues.resume({ name: 'mail', now: at(6) });
      expect((await claimAll(store, ['mail'])).map((claimed) => claimed.id)).toEqual([job.id]);
    });

    group.test('a resumed queue is claimed from again, in claim order', async ({ store }) => {
      const low = await insertJob(store, { queue: 'mail' });
      const high = await insertJob(store, { queue: 'mail', priority: 5 });
      await store.queues.pause({ name: 'mail', now: at(5) });
      expect(await claimAll(store, ['mail'])).toEqual([]);
      expect(await store.queues.resume({ name: 'mail', now: at(20) })).toEqual({ name: 'mail', paused: false, pausedAt: null, updatedAt: at(20), limits: NO_LIMITS });
      expect((await claimAll(store, ['mail'], at(21))).map((job) => job.id)).toEqual([high.id, low.id]);
    });

    group.test('pausing a paused queue keeps its first pausedAt; resuming a running queue leaves it running', async ({ store }) => {
      await store.queues.pause({ name: 'mail', now: at(5) });
      expect(await store.queues.pause({ name: 'mail', now: at(9) })).toEqual({ name: 'mail', paused: true, pausedAt: at(5), updatedAt: at(9), limits: NO_LIMITS });
      await store.queues.resume({ name: 'mail', now: at(10) });
      expect(await store.queues.resume({ name: 'mail', now: at(11) })).toEqual({ name: 'mail', paused: false, pausedAt: null, updatedAt: at(11), limits: NO_LIMITS });
      expect(await store.queues.resume({ name: 'never.paused', now: at(12) })).toMatchObject({ paused: false, pausedAt: null });
      const job = await insertJob(store, { queue: 'never.paused' });
      expect((await claimAll(store, ['never.paused', 'mail'], at(13))).map((claimed) => claimed.id)).toEqual([job.id]);
    });

    group.test('leaves running jobs of the queue running: their leases renew and their outcomes apply', async ({ store }) => {
      const running = await claimJob(store, await insertJob(store, { queue: 'mail' }), { now: at(1), leaseExpiresAt: at(61) });
      await store.queues.pause({ name: 'mail', now: at(2) });
      expect(await expectState(store, running.id, 'running')).toEqual(running);
      expect(await store.jobs.leaseExtend({ workerId: WORKER_A, leaseExpiresAt: at(120) })).toEqual([
        { id: running.id, attempt: 1, cancelRequested: false },
      ]);
      expect(await applyUpdate(store, jobSucceeded(attemptRef(running), at(3), { sent: true }))).toBe(true);
      expect(await expectState(store, running.id, 'succeeded')).toMatchObject({ result: { sent: true } });
    });
  });

  suite.group('queues.list', { migrate: true }, (group) => {
    group.test('lists every queue paused or resumed, by name, with its state; other queues are not listed', async ({ store }) => {
      expect(await store.queues.list()).toEqual([]);
      await insertJob(store, { queue: 'untouched' });
      await store.queues.pause({ name: 'reports', now: at(1) });
      await store.queues.pause({ name: 'mail', now: at(2) });
      await store.queues.pause({ name: 'billing', now: at(3) });
      await store.queues.resume({ name: 'mail', now: at(4) });
      expect(await store.queues.list()).toEqual([
        { name: 'billing', paused: true, pausedAt: at(3), updatedAt: at(3), limits: NO_LIMITS },
        { name: 'mail', paused: false, pausedAt: null, updatedAt: at(4), limits: NO_LIMITS },
        { name: 'reports', paused: true, pausedAt: at(1), updatedAt: at(1), limits: NO_LIMITS },
      ]);
    });
  });

  suite.group('queues.resume', { migrate: true }, (group) => {
    group.test('another store hears that jobs of a resumed queue are available', async ({ store, harness }) => {
      const other = await harness.openAnother();
      const heard = collect(other);
      await listening(store, heard);
      await store.queues.pause({ name: 'mail', now: at(1) });
      await store.queues.resume({ name: 'mail', now: at(2) });
      if (!store.capabilities.crossProcessWakeUp) {
        await settle();
        expect(heard.notices.filter((notice) => notice.kind !== 'store-changed'), 'no facts, at most that the store changed').toEqual([]);
        return;
      }
      await heard.next((notice) => notice.kind === 'jobs-available' && notice.queues.includes('mail'));
      heard.stop();
    });
  });
};
