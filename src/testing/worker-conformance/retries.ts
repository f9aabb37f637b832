/** Failing attempts: retries with backoff, dead jobs, permanent errors, timeouts. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PermanentJobError } from '../../errors.js';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness, whenAborted } from './helpers.js';

export function retryTests(createHarness: WorkerHarnessFactory): void {
  describe('retries and timeouts', () => {
    const t = useHarness(createHarness);

    it('retries a failing job with exponential backoff and jitter, keeping every attempt error', async () => {
      const backoff = { initialMs: 100, factor: 2, maxMs: 10_000, jitter: 0.5 };
      const flaky = defineTask({
        name: 'flaky',
        input: z.object({}),
        retry: { maxAttempts: 4, backoff },
        run: (_input, ctx) => {
          if (ctx.job.attempt < 3) throw new Error(`boom ${ctx.job.attempt}`);
          return 'third time lucky';
        },
      });
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, { tasks: [flaky] });
      const retryDelays: number[] = [];
      worker.on('job-settled', (_job, update) => {
        if (update?.kind === 'failed') retryDelays.push(update.retryAt.getTime() - update.at.getTime());
      });
      const { job } = await conveyor.enqueue(flaky, {});
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', result: 'third time lucky', attempt: 3 });
      expect(done.errors.map((e) => [e.attempt, e.message])).toEqual([[1, 'boom 1'], [2, 'boom 2']]);
      expect(done.errors[0]?.stack).toContain('boom 1');
      // attempt 1 → 100 ms, attempt 2 → 200 ms, each with up to half drawn at random
      expect(retryDelays[0]).toBeGreaterThanOrEqual(50);
      expect(retryDelays[0]).toBeLessThanOrEqual(100);
      expect(retryDelays[1]).toBeGreaterThanOrEqual(100);
      expect(retryDelays[1]).toBeLessThanOrEqual(200);
      // the second retry really waited its backoff
      const [first, second] = done.errors;
      expect(second!.at.getTime() - first!.at.getTime()).toBeGreaterThanOrEqual(retryDelays[0]!);
    });

    it('marks a job dead once it is out of attempts', async () => {
      const doomed = defineTask({ name: 'doomed', input: z.object({}), retry: { maxAttempts: 2, backoff: { initialMs: 10 } }, run: () => { throw new Error('always'); } });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [doomed] });
      const { job } = await conveyor.enqueue(doomed, {});
      const done = await conveyor.waitFor(job.id);
      expect(done).toMatchObject({ state: 'dead', attempt: 2 });
      expect(done.errors).toHaveLength(2);
    });

    it('a PermanentJobError kills the job without retrying; enqueue maxAttempts overrides the task', async () => {
      const picky = defineTask({ name: 'picky', input: z.object({}), run: () => { throw new PermanentJobError('user 7 no longer exists'); } });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [picky] });
      const { job } = await conveyor.enqueue(picky, {}, { maxAttempts: 9 });
      expect(job.maxAttempts).toBe(9);
      const done = await conveyor.waitFor(job.id);
      expect(done).toMatchObject({ state: 'dead', attempt: 1 });
      expect(done.errors[0]?.message).toBe('user 7 no longer exists');
    });

    it('aborts a handler that exceeds its timeout through its signal and counts a failed attempt', async () => {
      const reasons: unknown[] = [];
      const hangs = defineTask({
        name: 'hangs',
        input: z.object({}),
        timeoutMs: 100,
        retry: { maxAttempts: 2, backoff: { initialMs: 10 } },
        run: async (_input, ctx) => {
          reasons.push(await whenAborted(ctx.signal));
          throw new Error('handler saw the abort');
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [hangs] });
      const { job } = await conveyor.enqueue(hangs, {});
      const done = await conveyor.waitFor(job.id, { timeoutMs: 5_000 });
      expect(done).toMatchObject({ state: 'dead', attempt: 2 });
      expect(done.errors.map((e) => e.message)).toEqual(['Timed out after 100 ms; the handler was aborted', 'Timed out after 100 ms; the handler was aborted']);
      expect(reasons).toHaveLength(2);
      expect(reasons[0]).toMatchObject({ name: 'JobAbortedError', reason: 'timeout' });
    });
  });
}
