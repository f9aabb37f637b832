/** `prefetch`: jobs claimed ahead of the free slots, held until one frees, handed back on stop, cancellable while held. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConveyorConfigError } from '../../errors.js';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, useHarness, whenAborted } from './helpers.js';

export function prefetchTests(createHarness: WorkerHarnessFactory): void {
  describe('prefetch', () => {
    const t = useHarness(createHarness);

    it('holds up to `prefetch` claimed jobs beyond the free slots, and never runs more than `concurrency` at once', async () => {
      let runningNow = 0;
      let mostAtOnce = 0;
      const heldCounts: number[] = [];
      const conveyor = await t.open();
      const short = defineTask({
        name: 'short.job',
        input: z.object({ n: z.number() }),
        run: async ({ n }) => {
          runningNow += 1;
          mostAtOnce = Math.max(mostAtOnce, runningNow);
          // The first job looks at the store: its 2 slots run, 4 more are held under the same lease.
          if (n === 0) heldCounts.push((await conveyor.listJobs({ states: ['running'] })).jobs.length);
          await new Promise((resolve) => setTimeout(resolve, 5));
          runningNow -= 1;
          return n;
        },
      });
      const items = Array.from({ length: 30 }, (_, n) => ({ task: short, input: { n } }));
      const ids = (await conveyor.enqueueMany(items)).map((result) => result.job.id);
      await t.startWorker(conveyor, { tasks: [short], concurrency: 2, prefetch: 4 });
      const done = await Promise.all(ids.map((id) => conveyor.waitFor(id, { timeoutMs: 10_000 })));

      expect(done.map((job) => job.state)).toEqual(ids.map(() => 'succeeded'));
      expect(done.map((job) => job.attempt)).toEqual(ids.map(() => 1));
      expect(mostAtOnce).toBe(2);
      expect(heldCounts).toEqual([6]);
    });

    it('on stop, hands held jobs back unstarted: queued again with their attempt given back', async () => {
      const started = deferred();
      const blocker = defineTask({
        name: 'blocking.job',
        input: z.object({ n: z.number() }),
        run: async ({ n }, ctx) => {
          if (n === 0) {
            started.resolve();
            await whenAborted(ctx.signal);
            throw new Error('stopped');
          }
          throw new Error(`job ${n} must not start: it was held when the worker stopped`);
        },
      });
      const conveyor = await t.open();
      const ids = (await conveyor.enqueueMany([0, 1, 2, 3].map((n) => ({ task: blocker, input: { n } })))).map((result) => result.job.id);
      const worker = await t.startWorker(conveyor, { tasks: [blocker], concurrency: 1, prefetch: 3, drainMs: 50 });
      await started.promise;
      // Held, not merely queued: the worker's claim took them, so only the stop can put them back.
      const states = async () => (await Promise.all(ids.slice(1).map((id) => conveyor.getJob(id)))).map((job) => [job?.state, job?.attempt, job?.workerId]);
      await expect.poll(states).toEqual(ids.slice(1).map(() => ['running', 1, worker.id]));
      await worker.stop();

      const held = await Promise.all(ids.slice(1).map((id) => conveyor.getJob(id)));
      expect(held.map((job) => [job?.state, job?.attempt, job?.workerId])).toEqual([
        ['queued', 0, null],
        ['queued', 0, null],
        ['queued', 0, null],
      ]);
    });

    it('a held job cancelled before it starts ends cancelled without running; the others run', async () => {
      const release = deferred();
      const ran: number[] = [];
      const gated = defineTask({
        name: 'gated.job',
        input: z.object({ n: z.number() }),
        run: async ({ n }) => {
          ran.push(n);
          if (n === 0) await release.promise;
          return n;
        },
      });
      const conveyor = await t.open();
      const ids = (await conveyor.enqueueMany([0, 1, 2].map((n) => ({ task: gated, input: { n } })))).map((result) => result.job.id);
      await t.startWorker(conveyor, { tasks: [gated], concurrency: 1, prefetch: 2 });
      await expect.poll(() => ran).toEqual([0]);
      await expect.poll(async () => (await conveyor.getJob(ids[1]!))?.state).toBe('running');

      await conveyor.cancel(ids[1]!);
      expect((await conveyor.waitFor(ids[1]!, { timeoutMs: 5_000 })).state).toBe('cancelled');
      release.resolve();
      expect((await conveyor.waitFor(ids[2]!, { timeoutMs: 5_000 })).state).toBe('succeeded');
      expect(ran).toEqual([0, 2]);
    });

    it('refuses a prefetch that is not a whole number from 0 to 10000, naming the setting', async () => {
      const noop = defineTask({ name: 'noop', input: z.object({}), run: () => null });
      const conveyor = await t.open();
      expect(() => conveyor.createWorker({ tasks: [noop], prefetch: -1 })).toThrow(ConveyorConfigError);
      expect(() => conveyor.createWorker({ tasks: [noop], prefetch: 2.5 })).toThrow(/worker prefetch/);
    });
  });
}
