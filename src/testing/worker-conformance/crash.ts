/**
 * The kill -9 test (F2): a worker process SIGKILLed with jobs in flight. After its leases expire a
 * second worker completes every job; none is lost, and each job's work is recorded exactly once.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../task.js';
import { openEffects } from '../effects.js';
import { effectTask } from '../fixtures/tasks.js';
import { killHard, spawnFixture } from '../processes.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, useHarness, whenAborted } from './helpers.js';

const JOBS = 30;
const CONCURRENCY = 6;
const LEASE_MS = 1_000;

export function crashTests(createHarness: WorkerHarnessFactory): void {
  describe('a worker killed with jobs in flight', () => {
    const t = useHarness(createHarness);

    it('a worker whose lease was taken over aborts that attempt and records nothing for it; the job runs again', async () => {
      const reasons: unknown[] = [];
      const firstStarted = deferred();
      const slow = defineTask({
        name: 'slow.export',
        input: z.object({}),
        run: async (_input, ctx) => {
          if (ctx.job.attempt > 1) return `attempt ${ctx.job.attempt}`;
          firstStarted.resolve();
          reasons.push(await whenAborted(ctx.signal));
          return 'late result of attempt 1';
        },
      });
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, { tasks: [slow], leaseMs: 300, heartbeatIntervalMs: 100, maintenance: false });
      const firstSettled = new Promise<[unknown, boolean]>((resolve) =>
        worker.on('job-settled', (job, update, applied) => job.attempt === 1 && resolve([update, applied])),
      );
      const { job } = await conveyor.enqueue(slow, {});
      await firstStarted.promise;
      // The worker hangs past its lease (this blocks its event loop, heartbeats included); another
      // node recovers the job, and this worker may well claim it again while attempt 1 is in its hands.
      const hungUntil = Date.now() + 400;
      while (Date.now() < hungUntil);
      // The recovering node's clock is a second ahead: the worker's overdue heartbeat, which fires as
      // soon as the loop above ends, may reach the store first on another connection and extend the
      // lease by 300 ms, which would make a recovery at "now" find nothing (a flake under load).
      expect(await conveyor.store.jobs.recoverExpiredLeases({ now: new Date(Date.now() + 1000), limit: 10 })).toBe(1);
      expect(await firstSettled).toEqual([null, false]);
      expect(reasons[0]).toMatchObject({ name: 'JobAbortedError', reason: 'lease-lost' });
      const done = await conveyor.waitFor(job.id);
      expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: 'attempt 2' });
      expect(done.errors.map((e) => e.message)).toEqual([expect.stringContaining(`Lease expired: worker ${worker.id}`)]);
    });

    it('loses no job: another worker completes each one exactly once after the lease expires', async () => {
      const conveyor = await t.open({ workerStaleAfterMs: 500 });
      const effects = await openEffects(t.harness.storeUrl);
      try {
        const enqueued = await conveyor.enqueueMany(Array.from({ length: JOBS }, (_, n) => ({ task: effectTask, input: { n } })));
        const doomed = spawnFixture('worker-process.ts', {
          STORE_URL: t.harness.storeUrl,
          HANG: '1',
          CONCURRENCY: String(CONCURRENCY),
          LEASE_MS: String(LEASE_MS),
        });
        const doomedId = (await doomed.waitForLine((line) => line.startsWith('ready '))).slice('ready '.length);
        await doomed.waitUntil((lines) => lines.filter((line) => line.startsWith('started ')).length === CONCURRENCY);
        const inFlight = doomed.lines.filter((line) => line.startsWith('started ')).map((line) => line.slice('started '.length));
        expect(inFlight).toHaveLength(CONCURRENCY);
        await killHard(doomed);
        expect((await doomed.exited).signal).toBe('SIGKILL');

        for (const id of inFlight) expect((await conveyor.getJob(id))?.state).toBe('running');

        const rescuer = spawnFixture('worker-process.ts', { STORE_URL: t.harness.storeUrl, LEASE_MS: String(LEASE_MS) });
        try {
          const finished = await Promise.all(enqueued.map(({ job }) => conveyor.waitFor(job.id, { timeoutMs: 20_000 })));
          expect(finished.map((job) => job.state)).toEqual(Array(JOBS).fill('succeeded'));

          const effectCounts = await effects.countByJob();
          expect(effectCounts.size).toBe(JOBS);
          expect([...effectCounts.values()].every((count) => count === 1)).toBe(true);

          for (const job of finished) {
            if (inFlight.includes(job.id)) {
              expect(job.attempt).toBe(2);
              expect(job.errors).toHaveLength(1);
              expect(job.errors[0]?.message).toContain(`Lease expired: worker ${doomedId}`);
            } else {
              expect(job.attempt).toBe(1);
            }
          }
          const { stalledWorkers } = await conveyor.orphans();
          expect(stalledWorkers.map((w) => w.id)).toContain(doomedId);
        } finally {
          rescuer.child.kill('SIGTERM');
          expect((await rescuer.exited).code).toBe(0);
        }
      } finally {
        await effects.close();
      }
    }, 60_000);
  });
}
