import { expect } from 'vitest';
import {
  jobCancelled,
  jobDead,
  jobFailed,
  jobReleased,
  jobRequeued,
  jobSnoozed,
  jobSucceeded,
} from '../../store/state-updates.js';
import type { SuiteSection } from './context.js';
import {
  applyUpdate,
  at,
  attemptError,
  attemptRef,
  claimJob,
  everyOutcome,
  getJob,
  jobInState,
  WORKER_A,
  WORKER_B,
} from './helpers.js';

export const stateUpdateTests: SuiteSection = (suite) => {
  suite.group('jobs.setStateIfRunningMany', { migrate: true }, (group) => {
    group.test('succeeded stores the result and finishedAt', async ({ store }) => {
      const running = await jobInState(store, 'running');
      const result = { rows: 3, url: 'https://example.com/report.csv', parts: [1, 2] };
      expect(await applyUpdate(store, jobSucceeded(attemptRef(running), at(5), result))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({
        state: 'succeeded',
        result,
        finishedAt: at(5),
        attempt: 1,
        errors: [],
      });
    });

    group.test('failed sets runAt to retryAt and appends the error', async ({ store }) => {
      const running = await jobInState(store, 'running');
      const first = attemptError(1, 'connection reset', at(5));
      expect(await applyUpdate(store, jobFailed(attemptRef(running), at(5), first, at(65)))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({ state: 'failed', runAt: at(65), attempt: 1, errors: [first] });

      await store.jobs.promoteDue({ now: at(66), limit: 10 });
      const second = await claimJob(store, running, { now: at(67) });
      const secondError = { attempt: 2, message: 'timed out', stack: null, at: at(70) };
      expect(await applyUpdate(store, jobFailed(attemptRef(second), at(70), secondError, at(200)))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({
        state: 'failed',
        runAt: at(200),
        attempt: 2,
        errors: [first, secondError],
      });
    });

    group.test('dead appends the error and sets finishedAt', async ({ store }) => {
      const running = await jobInState(store, 'running');
      const error = attemptError(1, 'invalid account', at(5));
      expect(await applyUpdate(store, jobDead(attemptRef(running), at(5), error))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({ state: 'dead', finishedAt: at(5), errors: [error] });
    });

    group.test('a NUL or unpaired surrogate in an error is stored as U+FFFD, and the batch beside it applies', async ({ store }) => {
      const odd = await jobInState(store, 'running', { task: 'a' });
      const plain = await jobInState(store, 'running', { task: 'b' });
      const error = { attempt: 1, message: 'bad byte \u0000 in row \ud83d', stack: 'Error\u0000\n    at parse 😀', at: at(5) };
      const results = await store.jobs.setStateIfRunningMany({
        updates: [jobDead(attemptRef(odd), at(5), error), jobSucceeded(attemptRef(plain), at(5), 'fine')],
      });
      expect(results).toEqual([{ id: odd.id, applied: true }, { id: plain.id, applied: true }]);
      expect((await getJob(store, odd.id)).errors).toEqual([{ ...error, message: 'bad byte \uFFFD in row \uFFFD', stack: 'Error\uFFFD\n    at parse 😀' }]);
      expect(await getJob(store, plain.id)).toMatchObject({ state: 'succeeded', result: 'fine' });
    });

    group.test('cancelled with an error appends it and sets finishedAt', async ({ store }) => {
      const running = await jobInState(store, 'running');
      const error = attemptError(1, 'aborted', at(5));
      expect(await applyUpdate(store, jobCancelled(attemptRef(running), at(5), error))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({ state: 'cancelled', finishedAt: at(5), errors: [error] });
    });

    group.test('cancelled without an error keeps the errors as they were', async ({ store }) => {
      const failed = await jobInState(store, 'failed');
      await store.jobs.promoteDue({ now: at(3601), limit: 10 });
      const running = await claimJob(store, failed, { now: at(3602) });
      expect(await applyUpdate(store, jobCancelled(attemptRef(running), at(3603), null))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({
        state: 'cancelled',
        finishedAt: at(3603),
        errors: failed.errors,
      });
    });

    group.test('released queues the job again without counting the attempt', async ({ store }) => {
      const running = await jobInState(store, 'running');
      expect(await applyUpdate(store, jobReleased(attemptRef(running), at(5)))).toBe(true);
      const released = await getJob(store, running.id);
      expect(released).toMatchObject({ state: 'queued', attempt: 0, workerId: null, errors: [], finishedAt: null });
      const again = await claimJob(store, running, { workerId: WORKER_B, now: at(5) });
      expect(again).toMatchObject({ attempt: 1, workerId: WORKER_B });
    });

    group.test('requeued queues the job now, counting the attempt and appending its error; only under the lease it names', async ({ store }) => {
      const running = await jobInState(store, 'running', { maxAttempts: 3 });
      const error = attemptError(1, 'lease expired', at(5));
      expect(await applyUpdate(store, jobRequeued({ ...attemptRef(running), workerId: WORKER_B }, at(5), error)), 'another worker').toBe(false);
      expect(await applyUpdate(store, jobRequeued(attemptRef(running), at(5), error))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({ state: 'queued', attempt: 1, workerId: null, runAt: at(5), errors: [error], finishedAt: null });
      const again = await claimJob(store, running, { workerId: WORKER_B, now: at(6) });
      expect(again).toMatchObject({ attempt: 2, workerId: WORKER_B });
    });

    group.test('snoozed schedules the job for runAt without counting the attempt or recording an error', async ({ store }) => {
      const running = await jobInState(store, 'running');
      const progress = { fraction: 0.4, message: 'waiting for the export' };
      expect(await store.jobs.progressSet({ ...attemptRef(running), progress, now: at(4) })).toBe(true);
      expect(await applyUpdate(store, jobSnoozed(attemptRef(running), at(5), at(65)))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({
        state: 'scheduled',
        runAt: at(65),
        attempt: 0,
        workerId: null,
        leaseExpiresAt: null,
        startedAt: null,
        finishedAt: null,
        errors: [],
        progress,
        updatedAt: at(5),
      });
      expect(await store.jobs.promoteDue({ now: at(64), limit: 10 })).toBe(0);
      expect((await getJob(store, running.id)).state).toBe('scheduled');
      await store.jobs.promoteDue({ now: at(65), limit: 10 });
      const again = await claimJob(store, running, { workerId: WORKER_B, now: at(66) });
      expect(again).toMatchObject({ attempt: 1, workerId: WORKER_B, progress: null });
    });

    group.test('snoozed with runAt already due queues the job at once', async ({ store }) => {
      const running = await jobInState(store, 'running');
      expect(await applyUpdate(store, jobSnoozed(attemptRef(running), at(5), at(5)))).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({ state: 'queued', runAt: at(5), attempt: 0, workerId: null, errors: [] });
      expect(await claimJob(store, running, { now: at(5) })).toMatchObject({ attempt: 1 });
    });

    group.test('snoozed on the last attempt keeps the earlier errors and leaves that attempt to run', async ({ store }) => {
      const failed = await jobInState(store, 'failed', { maxAttempts: 2 }, { retryAt: at(10) });
      await store.jobs.promoteDue({ now: at(10), limit: 10 });
      const last = await claimJob(store, failed, { now: at(11) });
      expect(last.attempt).toBe(2);
      expect(await applyUpdate(store, jobSnoozed(attemptRef(last), at(12), at(20)))).toBe(true);
      expect(await getJob(store, last.id)).toMatchObject({ state: 'scheduled', attempt: 1, maxAttempts: 2, errors: failed.errors });
      await store.jobs.promoteDue({ now: at(20), limit: 10 });
      expect(await claimJob(store, last, { now: at(21) })).toMatchObject({ attempt: 2 });
    });

    group.test('an update with the wrong attempt changes nothing', async ({ store }) => {
      const running = await jobInState(store, 'running');
      for (const update of everyOutcome({ ...attemptRef(running), attempt: 2 }, at(5))) {
        expect(await applyUpdate(store, update), `${update.kind} with attempt 2`).toBe(false);
        expect(await getJob(store, running.id), `after ${update.kind} with attempt 2`).toEqual(running);
      }
    });

    group.test('an update from another worker changes nothing', async ({ store }) => {
      const running = await jobInState(store, 'running');
      for (const update of everyOutcome({ ...attemptRef(running), workerId: WORKER_B }, at(5))) {
        expect(await applyUpdate(store, update), `${update.kind} from ${WORKER_B}`).toBe(false);
        expect(await getJob(store, running.id), `after ${update.kind} from ${WORKER_B}`).toEqual(running);
      }
    });

    group.test('an update for a job no longer running changes nothing', async ({ store }) => {
      const running = await jobInState(store, 'running');
      const ref = attemptRef(running);
      expect(await applyUpdate(store, jobSucceeded(ref, at(5), 'first'))).toBe(true);
      const finished = await getJob(store, running.id);
      for (const update of everyOutcome(ref, at(6))) {
        expect(await applyUpdate(store, update), `${update.kind} after success`).toBe(false);
        expect(await getJob(store, running.id), `after ${update.kind}`).toEqual(finished);
      }
    });

    group.test('a worker whose lease was taken over cannot overwrite the new attempt', async ({ store }) => {
      const lost = await jobInState(store, 'running');
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 })).toBe(1);
      await claimJob(store, lost, { workerId: WORKER_B, now: at(63) });
      const current = await getJob(store, lost.id);
      for (const update of everyOutcome(attemptRef(lost), at(64))) {
        expect(await applyUpdate(store, update), `stale ${update.kind}`).toBe(false);
        expect(await getJob(store, lost.id), `after stale ${update.kind}`).toEqual(current);
      }
    });

    group.test('a mixed batch applies the valid updates and skips the others', async ({ store }) => {
      const toSucceed = await jobInState(store, 'running', { task: 'a' });
      const toFail = await jobInState(store, 'running', { task: 'b' });
      const foreign = await jobInState(store, 'running', { task: 'c' }, { workerId: WORKER_B });
      const done = await jobInState(store, 'succeeded', { task: 'd' });
      const error = attemptError(1, 'boom', at(5));
      const results = await store.jobs.setStateIfRunningMany({
        updates: [
          jobSucceeded(attemptRef(toSucceed), at(5), 'ok'),
          jobDead({ ...attemptRef(foreign), workerId: WORKER_A }, at(5), error),
          jobFailed(attemptRef(toFail), at(5), error, at(100)),
          jobDead({ id: done.id, attempt: 1, workerId: WORKER_A }, at(5), error),
        ],
      });
      expect(new Map(results.map((r) => [r.id, r.applied]))).toEqual(
        new Map([
          [toSucceed.id, true],
          [foreign.id, false],
          [toFail.id, true],
          [done.id, false],
        ]),
      );
      expect(results).toHaveLength(4);
      expect(await getJob(store, toSucceed.id)).toMatchObject({ state: 'succeeded', result: 'ok' });
      expect(await getJob(store, toFail.id)).toMatchObject({ state: 'failed', errors: [error], runAt: at(100) });
      expect(await getJob(store, foreign.id)).toEqual(foreign);
      expect(await getJob(store, done.id)).toEqual(done);
    });
  });

  suite.group('jobs.progressSet', { migrate: true }, (group) => {
    group.test('a NUL in a progress message is stored as U+FFFD', async ({ store }) => {
      const running = await jobInState(store, 'running');
      expect(await store.jobs.progressSet({ ...attemptRef(running), progress: { fraction: 0.1, message: 'row\u00007' }, now: at(5) })).toBe(true);
      expect((await getJob(store, running.id)).progress).toEqual({ fraction: 0.1, message: 'row\uFFFD7' });
    });

    group.test('stores progress while the lease is held', async ({ store }) => {
      const running = await jobInState(store, 'running');
      const ref = attemptRef(running);
      const half = { fraction: 0.5, message: 'half way' };
      expect(await store.jobs.progressSet({ ...ref, progress: half, now: at(5) })).toBe(true);
      expect((await getJob(store, running.id)).progress).toEqual(half);
      const done = { fraction: 1, message: null };
      expect(await store.jobs.progressSet({ ...ref, progress: done, now: at(6) })).toBe(true);
      expect(await getJob(store, running.id)).toMatchObject({ state: 'running', progress: done });
    });

    group.test('returns false and changes nothing without the lease', async ({ store }) => {
      const running = await jobInState(store, 'running', { task: 'a' });
      const queued = await jobInState(store, 'queued', { task: 'b' });
      const finished = await jobInState(store, 'succeeded', { task: 'c' });
      const progress = { fraction: 0.25, message: 'stale' };
      const attempts = [
        { what: 'wrong attempt', job: running, ref: { ...attemptRef(running), attempt: 2 } },
        { what: 'another worker', job: running, ref: { ...attemptRef(running), workerId: WORKER_B } },
        { what: 'queued job', job: queued, ref: { id: queued.id, attempt: 0, workerId: WORKER_A } },
        { what: 'finished job', job: finished, ref: { id: finished.id, attempt: 1, workerId: WORKER_A } },
      ];
      for (const { what, job, ref } of attempts) {
        expect(await store.jobs.progressSet({ ...ref, progress, now: at(5) }), what).toBe(false);
        expect(await getJob(store, job.id), what).toEqual(job);
      }
    });
  });
};
