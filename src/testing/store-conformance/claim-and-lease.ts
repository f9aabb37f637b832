import { expect } from 'vitest';
import type { Job } from '../../job.js';
import { jobFailed, jobSucceeded } from '../../store/state-updates.js';
import type { SuiteSection } from './context.js';
import {
  applyUpdate,
  at,
  attemptError,
  attemptRef,
  claimJob,
  compareIds,
  getJob,
  insertJob,
  jobInsert,
  jobInState,
  sortedIds,
  t0,
  WORKER_A,
  WORKER_B,
} from './helpers.js';

export const claimTests: SuiteSection = (suite) => {
  suite.group('jobs.claim', { migrate: true }, (group) => {
    group.test('claims only queued jobs of the given queues and tasks whose runAt has come', async ({ store }) => {
      const running = await jobInState(store, 'running', { task: 'a', queue: 'q1' });
      const succeeded = await jobInState(store, 'succeeded', { task: 'a', queue: 'q1' });
      const cancelled = await jobInState(store, 'cancelled', { task: 'a', queue: 'q1' });
      const inserted = await store.jobs.insertMany({
        jobs: [
          jobInsert({ task: 'a', queue: 'q1', runAt: at(5) }),
          jobInsert({ task: 'b', queue: 'q2', runAt: at(10) }),
          jobInsert({ task: 'a', queue: 'q3', runAt: at(5) }),
          jobInsert({ task: 'c', queue: 'q1', runAt: at(5) }),
          jobInsert({ task: 'a', queue: 'q1', runAt: at(15) }),
        ],
        now: at(10),
      });
      const notYetDue = await insertJob(store, { task: 'a', queue: 'q1', runAt: at(25), now: at(30) });
      const [due, dueOnOtherQueue, otherQueue, otherTask, scheduled] = inserted.map((r) => r.job);
      expect(scheduled?.state).toBe('scheduled');
      expect(notYetDue.state).toBe('queued');

      const claimed = await store.jobs.claim({
        queues: ['q1', 'q2'],
        tasks: ['a', 'b'],
        workerId: WORKER_B,
        limit: 100,
        now: at(20),
        leaseExpiresAt: at(80),
      });
      expect(sortedIds(claimed)).toEqual(sortedIds([due, dueOnOtherQueue].filter((j) => j !== undefined)));
      const untouched = [running, succeeded, cancelled, otherQueue, otherTask, scheduled, notYetDue];
      for (const job of untouched) {
        if (job !== undefined) expect(await getJob(store, job.id), `job ${job.task}/${job.queue} (${job.state})`).toEqual(job);
      }
    });

    group.test('a new attempt starts without the progress of the previous one', async ({ store }) => {
      const job = await insertJob(store, { now: at(0) });
      const first = await claimJob(store, job, { now: at(1) });
      expect(await store.jobs.progressSet({ ...attemptRef(first), progress: { fraction: 0.7, message: 'rows' }, now: at(2) })).toBe(true);
      await applyUpdate(store, jobFailed(attemptRef(first), at(3), attemptError(1, 'boom', at(3)), at(4)));
      expect((await getJob(store, job.id)).progress).toEqual({ fraction: 0.7, message: 'rows' });
      expect(await store.jobs.promoteDue({ now: at(5), limit: 10 })).toBe(1);
      const second = await claimJob(store, job, { now: at(6) });
      expect(second).toMatchObject({ attempt: 2, progress: null });
    });

    group.test('claims highest priority first, then earliest runAt, then lowest id', async ({ store }) => {
      const specs: Array<[priority: number, runAtSecond: number]> = [
        [0, 50], [-5, 0], [10, 60], [0, 50], [10, 40], [0, 20], [10, 40], [3, 90], [0, 50],
      ];
      const jobs: Job[] = [];
      // Three batches, so jobs equal in priority and runAt get ids from separate inserts too.
      for (const batch of [specs.slice(0, 3), specs.slice(3, 6), specs.slice(6)]) {
        const results = await store.jobs.insertMany({
          jobs: batch.map(([priority, second]) => jobInsert({ priority, runAt: at(second) })),
          now: at(100),
        });
        jobs.push(...results.map((r) => r.job));
      }
      const expected = [...jobs]
        .sort((x, y) => y.priority - x.priority || x.runAt.getTime() - y.runAt.getTime() || compareIds(x.id, y.id))
        .map((j) => j.id);
      const claimedInOrder: string[] = [];
      for (let i = 0; i < jobs.length; i += 1) {
        const claimed = await store.jobs.claim({
          queues: ['default'],
          tasks: ['conformance.task'],
          workerId: WORKER_A,
          limit: 1,
          now: at(100),
          leaseExpiresAt: at(160),
        });
        claimedInOrder.push(...claimed.map((j) => j.id));
      }
      expect(claimedInOrder).toEqual(expected);
    });

    group.test('claims at most limit jobs per call', async ({ store }) => {
      const results = await store.jobs.insertMany({
        jobs: [1, 2, 3, 4, 5, 6, 7].map((priority) => jobInsert({ priority })),
        now: t0,
      });
      const byPriority = results.map((r) => r.job).sort((x, y) => y.priority - x.priority);
      const claim = () =>
        store.jobs.claim({
          queues: ['default'],
          tasks: ['conformance.task'],
          workerId: WORKER_A,
          limit: 3,
          now: at(1),
          leaseExpiresAt: at(61),
        });
      expect(sortedIds(await claim())).toEqual(sortedIds(byPriority.slice(0, 3)));
      expect(sortedIds(await claim())).toEqual(sortedIds(byPriority.slice(3, 6)));
      expect(sortedIds(await claim())).toEqual(sortedIds(byPriority.slice(6)));
      expect(await claim()).toEqual([]);
    });

    group.test('a claim starts an attempt and takes the lease', async ({ store }) => {
      const queued = await insertJob(store, { maxAttempts: 3, priority: 2, dedupKey: 'k', input: { x: 1 } });
      const claimed = await claimJob(store, queued, { workerId: WORKER_B, now: at(5), leaseExpiresAt: at(65) });
      expect(claimed).toEqual({
        ...queued,
        state: 'running',
        attempt: 1,
        workerId: WORKER_B,
        leaseExpiresAt: at(65),
        startedAt: at(5),
        updatedAt: expect.any(Date),
      });
      expect(await getJob(store, queued.id)).toEqual(claimed);
    });

    group.test('a later attempt starts where the previous one left off', async ({ store }) => {
      const failed = await jobInState(store, 'failed', { task: 'a' });
      expect(await store.jobs.promoteDue({ now: at(3601), limit: 10 })).toBe(1);
      const claimed = await claimJob(store, failed, { workerId: WORKER_B, now: at(3602), leaseExpiresAt: at(3662) });
      expect(claimed).toMatchObject({ state: 'running', attempt: 2, workerId: WORKER_B, startedAt: at(3602) });
      expect(claimed.errors).toEqual(failed.errors);
    });

    group.test('a job one store claimed is not claimed by another', async ({ store, harness }) => {
      const other = await harness.openAnother();
      const job = await insertJob(store);
      const claimed = await claimJob(store, job, { workerId: WORKER_A });
      const again = await other.jobs.claim({
        queues: [job.queue],
        tasks: [job.task],
        workerId: WORKER_B,
        limit: 10,
        now: at(2),
        leaseExpiresAt: at(62),
      });
      expect(again).toEqual([]);
      expect(await getJob(other, job.id)).toEqual(claimed);
    });

    group.test('two stores claiming at once never claim the same job twice', async ({ store, harness }) => {
      const other = await harness.openAnother();
      const total = 60;
      const results = await store.jobs.insertMany({
        jobs: Array.from({ length: total }, (_, i) => jobInsert({ input: { i }, priority: i % 4 })),
        now: t0,
      });
      const claimers = [
        { store, workerId: WORKER_A },
        { store: other, workerId: WORKER_B },
      ];
      const claimedBy = new Map<string, string[]>();
      for (let round = 0; round < total; round += 1) {
        const batches = await Promise.all(
          claimers.map(async (claimer) => {
            const jobs = await claimer.store.jobs.claim({
              queues: ['default'],
              tasks: ['conformance.task'],
              workerId: claimer.workerId,
              limit: 7,
              now: at(1),
              leaseExpiresAt: at(61),
            });
            return jobs.map((job) => ({ id: job.id, workerId: claimer.workerId }));
          }),
        );
        const claims = batches.flat();
        if (claims.length === 0) break;
        for (const claim of claims) claimedBy.set(claim.id, [...(claimedBy.get(claim.id) ?? []), claim.workerId]);
      }
      const twice = [...claimedBy].filter(([, workers]) => workers.length > 1);
      expect(twice, 'jobs claimed more than once').toEqual([]);
      expect([...claimedBy.keys()].sort(compareIds)).toEqual(sortedIds(results.map((r) => r.job)));
      for (const [id, workers] of claimedBy) {
        expect((await getJob(store, id)).workerId, `worker of job ${id}`).toBe(workers[0]);
      }
    });
  });

  suite.group('jobs.leaseExtend', { migrate: true }, (group) => {
    group.test("extends only this worker's running jobs", async ({ store }) => {
      const firstOfA = await jobInState(store, 'running', { task: 'a' });
      const retriedOfA = await jobInState(store, 'failed', { task: 'b' });
      const ofB = await jobInState(store, 'running', { task: 'c' }, { workerId: WORKER_B });
      const finishedOfA = await jobInState(store, 'running', { task: 'd' });
      expect(await applyUpdate(store, jobSucceeded(attemptRef(finishedOfA), at(3), null))).toBe(true);
      const finished = await getJob(store, finishedOfA.id);
      expect(await store.jobs.promoteDue({ now: at(3601), limit: 10 })).toBe(1);
      const secondOfA = await claimJob(store, retriedOfA, { workerId: WORKER_A, now: at(3602), leaseExpiresAt: at(3662) });

      const leases = await store.jobs.leaseExtend({ workerId: WORKER_A, leaseExpiresAt: at(4000) });
      expect([...leases].sort((x, y) => compareIds(x.id, y.id))).toEqual(
        [
          { id: firstOfA.id, attempt: 1, cancelRequested: false },
          { id: secondOfA.id, attempt: 2, cancelRequested: false },
        ].sort((x, y) => compareIds(x.id, y.id)),
      );
      expect((await getJob(store, firstOfA.id)).leaseExpiresAt).toEqual(at(4000));
      expect((await getJob(store, secondOfA.id)).leaseExpiresAt).toEqual(at(4000));
      expect(await getJob(store, ofB.id), "the other worker's job").toEqual(ofB);
      expect(await getJob(store, finished.id), 'the finished job').toEqual(finished);
      expect(await store.jobs.leaseExtend({ workerId: 'worker-unknown', leaseExpiresAt: at(4000) })).toEqual([]);
    });

    group.test('reports which jobs have a cancel request', async ({ store }) => {
      const kept = await jobInState(store, 'running', { task: 'a' });
      const cancelled = await jobInState(store, 'running', { task: 'b' });
      await store.jobs.cancel({ id: cancelled.id, now: at(3) });
      const leases = await store.jobs.leaseExtend({ workerId: WORKER_A, leaseExpiresAt: at(120) });
      const byId = new Map(leases.map((lease) => [lease.id, lease]));
      expect(byId.get(kept.id)).toEqual({ id: kept.id, attempt: 1, cancelRequested: false });
      expect(byId.get(cancelled.id)).toEqual({ id: cancelled.id, attempt: 1, cancelRequested: true });
      expect(leases).toHaveLength(2);
      expect(await getJob(store, cancelled.id)).toMatchObject({ state: 'running', leaseExpiresAt: at(120) });
    });

    group.test('does not return a job whose lease another worker took over', async ({ store }) => {
      const job = await jobInState(store, 'running');
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 })).toBe(1);
      await claimJob(store, job, { workerId: WORKER_B, now: at(63), leaseExpiresAt: at(123) });
      expect(await store.jobs.leaseExtend({ workerId: WORKER_A, leaseExpiresAt: at(200) })).toEqual([]);
      expect((await getJob(store, job.id)).leaseExpiresAt).toEqual(at(123));
      expect(await applyUpdate(store, jobFailed(attemptRef(job), at(64), attemptError(1, 'late', at(64)), at(100)))).toBe(
        false,
      );
    });
  });
};
