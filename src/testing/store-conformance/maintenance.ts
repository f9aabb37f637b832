import { expect } from 'vitest';
import type { Job } from '../../job.js';
import { leaseRecoveryUpdate } from '../../store/lease-recovery.js';
import type { Store } from '../../store/store.js';
import type { StoreHarness } from '../store-harness.js';
import type { SuiteSection } from './context.js';
import { at, claimJob, getJob, insertJob, jobInState, WORKER_B } from './helpers.js';

/** Every job with its current state, for "nothing else changed" checks. */
async function reread(store: Store, jobs: Job[]): Promise<Array<Job | null>> {
  return Promise.all(jobs.map((job) => store.jobs.get({ id: job.id })));
}

/** Run a bounded maintenance step until it finds nothing left; how many rows this caller handled. */
async function untilNone(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await step();
    if (count === 0) return total;
    total += count;
  }
}

/** Run a bounded step until nothing is left, from this store and two more on its database at once; the rows handled in all. */
async function fromThreeStores(store: Store, harness: StoreHarness, step: (store: Store) => Promise<number>): Promise<number> {
  const stores = [store, await harness.openAnother(), await harness.openAnother()];
  const handled = await Promise.all(stores.map((each) => untilNone(() => step(each))));
  return handled.reduce((sum, count) => sum + count, 0);
}

export const maintenanceTests: SuiteSection = (suite) => {
  suite.group('jobs.recoverExpiredLeases', { migrate: true }, (group) => {
    group.test('an expired lease queues the job again, counting the attempt', async ({ store }) => {
      const running = await jobInState(store, 'running', { maxAttempts: 3 });
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 })).toBe(1);
      const recovered = await getJob(store, running.id);
      expect(recovered).toMatchObject({ state: 'queued', attempt: 1, workerId: null });
      expect(recovered.errors).toHaveLength(1);
      expect(recovered.errors[0]).toMatchObject({ attempt: 1, message: expect.stringMatching(/lease/i), at: at(62) });
      const again = await claimJob(store, running, { workerId: WORKER_B, now: at(62) });
      expect(again.attempt).toBe(2);
    });

    group.test('an expired lease on the last attempt kills the job', async ({ store }) => {
      const running = await jobInState(store, 'running', { maxAttempts: 1 });
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 })).toBe(1);
      const dead = await getJob(store, running.id);
      expect(dead).toMatchObject({ state: 'dead', attempt: 1, finishedAt: at(62) });
      expect(dead.errors).toEqual([expect.objectContaining({ attempt: 1, message: expect.stringMatching(/lease/i) })]);
    });

    group.test('an expired lease with a cancel request cancels the job', async ({ store }) => {
      const running = await jobInState(store, 'running', { maxAttempts: 3 });
      await store.jobs.cancel({ id: running.id, now: at(10) });
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 })).toBe(1);
      expect(await getJob(store, running.id)).toMatchObject({ state: 'cancelled', finishedAt: at(62) });
    });

    group.test('each expired lease ends as leaseRecoveryUpdate decides, with exactly the error it builds', async ({ store }) => {
      const requeued = await jobInState(store, 'running', { task: 'a', maxAttempts: 3 });
      const last = await jobInState(store, 'running', { task: 'b', maxAttempts: 1 });
      const cancelled = await jobInState(store, 'running', { task: 'c', maxAttempts: 3 });
      await store.jobs.cancel({ id: cancelled.id, now: at(10) });
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 })).toBe(3);
      const decided = [requeued, last, cancelled].map((job) =>
        leaseRecoveryUpdate({ id: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts, workerId: job.workerId ?? '', cancelRequested: job === cancelled }, at(62)),
      );
      expect(decided.map((update) => update.kind)).toEqual(['requeued', 'dead', 'cancelled']);
      const stored = await reread(store, [requeued, last, cancelled]);
      expect(stored.map((job) => job?.state)).toEqual(['queued', 'dead', 'cancelled']);
      expect(stored.map((job) => job?.errors.at(-1))).toEqual(decided.map((update) => ('error' in update ? update.error : null)));
    });

    group.test('leases that have not expired are left alone', async ({ store }) => {
      const held = await jobInState(store, 'running', { task: 'a' });
      const queued = await jobInState(store, 'queued', { task: 'b' });
      expect(await store.jobs.recoverExpiredLeases({ now: at(60), limit: 10 })).toBe(0);
      expect(await reread(store, [held, queued])).toEqual([held, queued]);
    });

    group.test('limit bounds how many jobs one call recovers', async ({ store }) => {
      const jobs: Job[] = [];
      for (const task of ['a', 'b', 'c']) jobs.push(await jobInState(store, 'running', { task }));
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 2 })).toBe(2);
      const states = (await reread(store, jobs)).map((job) => job?.state);
      expect(states.filter((state) => state === 'queued')).toHaveLength(2);
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 2 })).toBe(1);
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 2 })).toBe(0);
      expect((await reread(store, jobs)).map((job) => job?.state)).toEqual(['queued', 'queued', 'queued']);
    });

    group.test('three stores recovering at once settle each expired lease exactly once', async ({ store, harness }) => {
      const jobs: Job[] = [];
      for (let n = 0; n < 30; n++) jobs.push(await jobInState(store, 'running', { task: `t${n}` }));
      expect(await fromThreeStores(store, harness, (each) => each.jobs.recoverExpiredLeases({ now: at(62), limit: 4 }))).toBe(30);
      for (const job of await reread(store, jobs)) {
        expect(job).toMatchObject({ state: 'queued', attempt: 1 });
        expect(job?.errors).toHaveLength(1);
      }
    });
  });

  suite.group('jobs.promoteDue', { migrate: true }, (group) => {
    group.test('three stores promoting at once queue each due job exactly once', async ({ store, harness }) => {
      const jobs: Job[] = [];
      for (let n = 0; n < 30; n++) jobs.push(await insertJob(store, { task: `t${n}`, runAt: at(50) }));
      expect(await fromThreeStores(store, harness, (each) => each.jobs.promoteDue({ now: at(60), limit: 4 }))).toBe(30);
      expect((await reread(store, jobs)).map((job) => job?.state)).toEqual(Array(30).fill('queued'));
    });

    group.test('queues scheduled and failed jobs whose runAt has come', async ({ store }) => {
      const scheduledDue = await insertJob(store, { task: 'a', runAt: at(50) });
      const scheduledLater = await insertJob(store, { task: 'b', runAt: at(5000) });
      const failedDue = await jobInState(store, 'failed', { task: 'c' }, { retryAt: at(40) });
      const failedLater = await jobInState(store, 'failed', { task: 'd' }, { retryAt: at(5000) });
      const queued = await insertJob(store, { task: 'e' });
      expect(scheduledDue.state).toBe('scheduled');
      expect(await store.jobs.promoteDue({ now: at(60), limit: 10 })).toBe(2);
      expect(await getJob(store, scheduledDue.id)).toMatchObject({ state: 'queued', attempt: 0 });
      expect(await getJob(store, failedDue.id)).toMatchObject({ state: 'queued', attempt: 1, errors: failedDue.errors });
      expect(await reread(store, [scheduledLater, failedLater, queued])).toEqual([scheduledLater, failedLater, queued]);
      const claimed = await claimJob(store, failedDue, { workerId: WORKER_B, now: at(60) });
      expect(claimed.attempt).toBe(2);
    });

    group.test('limit bounds how many jobs one call promotes', async ({ store }) => {
      const jobs: Job[] = [];
      for (const task of ['a', 'b', 'c']) jobs.push(await insertJob(store, { task, runAt: at(10) }));
      expect(await store.jobs.promoteDue({ now: at(20), limit: 2 })).toBe(2);
      expect(await store.jobs.promoteDue({ now: at(20), limit: 2 })).toBe(1);
      expect(await store.jobs.promoteDue({ now: at(20), limit: 2 })).toBe(0);
      expect((await reread(store, jobs)).map((job) => job?.state)).toEqual(['queued', 'queued', 'queued']);
    });
  });

  suite.group('jobs.pruneFinished', { migrate: true }, (group) => {
    group.test('prunes each finished state by its own cut-off', async ({ store }) => {
      const finishedAt = (state: 'succeeded' | 'dead' | 'cancelled', second: number) =>
        jobInState(store, state, { task: `${state}-${second}` }, { finishedAt: at(second) });
      const succeededEarly = await finishedAt('succeeded', 10);
      const succeededLate = await finishedAt('succeeded', 30);
      const deadEarly = await finishedAt('dead', 10);
      const deadLate = await finishedAt('dead', 30);
      const cancelledEarly = await finishedAt('cancelled', 10);
      const cancelledLate = await finishedAt('cancelled', 30);
      const pruned = await store.jobs.pruneFinished({
        succeededBefore: at(20),
        deadBefore: at(40),
        cancelledBefore: at(5),
        limit: 100,
      });
      expect(pruned).toBe(3);
      const all = [succeededEarly, succeededLate, deadEarly, deadLate, cancelledEarly, cancelledLate];
      expect(await reread(store, all)).toEqual([null, succeededLate, null, null, cancelledEarly, cancelledLate]);
    });

    group.test('never prunes unfinished jobs', async ({ store }) => {
      const jobs: Job[] = [];
      for (const state of ['scheduled', 'queued', 'running', 'failed'] as const) {
        jobs.push(await jobInState(store, state, { task: state }));
      }
      const running = jobs[2];
      if (running !== undefined) await store.jobs.cancel({ id: running.id, now: at(3) });
      const before = await reread(store, jobs);
      const farFuture = at(10 ** 8);
      const pruned = await store.jobs.pruneFinished({
        succeededBefore: farFuture,
        deadBefore: farFuture,
        cancelledBefore: farFuture,
        limit: 100,
      });
      expect(pruned).toBe(0);
      expect(await reread(store, jobs)).toEqual(before);
    });

    group.test('limit bounds how many jobs one call deletes', async ({ store }) => {
      const jobs: Job[] = [];
      for (const task of ['a', 'b', 'c', 'd', 'e']) jobs.push(await jobInState(store, 'succeeded', { task }));
      const cutOffs = { succeededBefore: at(100), deadBefore: at(100), cancelledBefore: at(100) };
      expect(await store.jobs.pruneFinished({ ...cutOffs, limit: 2 })).toBe(2);
      expect((await reread(store, jobs)).filter((job) => job === null)).toHaveLength(2);
      expect(await store.jobs.pruneFinished({ ...cutOffs, limit: 2 })).toBe(2);
      expect(await store.jobs.pruneFinished({ ...cutOffs, limit: 2 })).toBe(1);
      expect(await store.jobs.pruneFinished({ ...cutOffs, limit: 2 })).toBe(0);
      expect(await reread(store, jobs)).toEqual([null, null, null, null, null]);
    });
  });
};
