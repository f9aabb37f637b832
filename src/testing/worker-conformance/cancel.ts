/** Cancelling jobs: before they run, and while they run (here and from another process). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, useHarness, whenAborted } from './helpers.js';

export function cancelTests(createHarness: WorkerHarnessFactory): void {
  describe('cancel', () => {
    const t = useHarness(createHarness);

    function waitsForAbort() {
      const started = deferred();
      const reasons: unknown[] = [];
      const task = defineTask({
        name: 'long.export',
        input: z.object({}),
        run: async (_input, ctx) => {
          started.resolve();
          reasons.push(await whenAborted(ctx.signal));
          throw new Error('stopped by signal');
        },
      });
      return { task, started, reasons };
    }

    it('cancels a queued job before any worker runs it', async () => {
      const { task } = waitsForAbort();
      const conveyor = await t.open();
      const { job } = await conveyor.enqueue(task, {}, { delayMs: 60_000 });
      const cancelled = await conveyor.cancel(job.id);
      expect(cancelled).toMatchObject({ state: 'cancelled', attempt: 0 });
      expect((await conveyor.waitFor(job.id)).state).toBe('cancelled');
    });

    it('fires the signal of a running job cancelled through the same Conveyor', async () => {
      const { task, started, reasons } = waitsForAbort();
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task], heartbeatIntervalMs: 1_000 });
      const { job } = await conveyor.enqueue(task, {});
      await started.promise;
      expect((await conveyor.cancel(job.id)).cancelRequestedAt).toBeInstanceOf(Date);
      const done = await conveyor.waitFor(job.id);
      expect(done.state).toBe('cancelled');
      expect(done.errors[0]?.message).toMatch(/Cancelled while running/);
      expect(reasons[0]).toMatchObject({ name: 'JobAbortedError', reason: 'cancel' });
    });

    it('fires the signal of a running job cancelled from another process, at the next heartbeat', async () => {
      const { task, started, reasons } = waitsForAbort();
      const workerSide = await t.open();
      await t.startWorker(workerSide, { tasks: [task] });
      const clientSide = await t.open();
      const { job } = await clientSide.enqueue(task, {});
      await started.promise;
      await clientSide.cancel(job.id);
      const done = await clientSide.waitFor(job.id, { timeoutMs: 5_000 });
      expect(done.state).toBe('cancelled');
      expect(reasons[0]).toMatchObject({ reason: 'cancel' });
    });

    it('retry() queues a cancelled job again and refuses a queued one', async () => {
      const noop = defineTask({ name: 'noop', input: z.object({}), run: () => 'ran' });
      const conveyor = await t.open();
      const { job } = await conveyor.enqueue(noop, {});
      await expect(conveyor.retry(job.id)).rejects.toThrow(`Job ${job.id} is queued; only failed, dead, cancelled, succeeded jobs can be retried`);
      await conveyor.cancel(job.id);
      expect((await conveyor.retry(job.id)).state).toBe('queued');
      await t.startWorker(conveyor, { tasks: [noop] });
      expect(await conveyor.waitFor(job.id)).toMatchObject({ state: 'succeeded', result: 'ran' });
      await expect(conveyor.cancel('999999')).rejects.toThrow('No job with id "999999"');
    });
  });
}
