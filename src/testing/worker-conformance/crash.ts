/**
 * The kill -9 test (F2): a worker process SIGKILLed with jobs in flight. After its leases expire a
 * second worker completes every job; none is lost, and each job's work is recorded exactly once.
 */
import { describe, expect, it } from 'vitest';
import { openEffects } from '../effects.js';
import { effectTask } from '../fixtures/tasks.js';
import { killHard, spawnFixture } from '../processes.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness } from './helpers.js';

const JOBS = 30;
const CONCURRENCY = 6;
const LEASE_MS = 1_000;

export function crashTests(createHarness: WorkerHarnessFactory): void {
  describe('a worker killed with jobs in flight', () => {
    const t = useHarness(createHarness);

    it('loses no job: another worker completes each one exactly once after the lease expires', async () => {
      const conveyor = await t.open({ workerStaleAfterMs: 500 });
      const effects = openEffects(t.harness.storeUrl);
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

          const effectCounts = effects.countByJob();
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
        effects.close();
      }
    }, 60_000);
  });
}
