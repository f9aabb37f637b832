/** Outcomes a handler chooses: snooze (run again later, attempt not counted) and discard (dead at once). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { discard, snooze } from '../../handler-outcomes.js';
import type { JobStateUpdate } from '../../store/store.js';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness } from './helpers.js';

export function outcomeTests(createHarness: WorkerHarnessFactory): void {
  describe('handler outcomes: snooze and discard', () => {
    const t = useHarness(createHarness);

    it('a job that snoozes twice then succeeds ends on attempt 1, with no errors, after waiting each delay', async () => {
      const delays = [200, 0];
      const runs: Array<{ at: number; attempt: number }> = [];
      const patient = defineTask({
        name: 'patient',
        input: z.object({}),
        retry: { maxAttempts: 1 },
        run: (_input, ctx) => {
          runs.push({ at: Date.now(), attempt: ctx.job.attempt });
          const delayMs = delays[runs.length - 1];
          if (delayMs !== undefined) throw snooze(delayMs);
          return 'ready';
        },
      });
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, { tasks: [patient] });
      const snoozes: JobStateUpdate[] = [];
      worker.on('job-settled', (_job, update) => {
        if (update?.kind === 'snoozed') snoozes.push(update);
      });
      const { job } = await conveyor.enqueue(patient, {});
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      // maxAttempts 1: had either snooze counted, the job would have died instead.
      expect(done).toMatchObject({ state: 'succeeded', result: 'ready', attempt: 1, errors: [] });
      expect(runs.map((run) => run.attempt)).toEqual([1, 1, 1]);
      expect(snoozes.map((u) => u.kind === 'snoozed' && u.runAt.getTime() - u.at.getTime())).toEqual([200, 0]);
      expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(200);
    });

    it('a snooze on the last attempt, after a failure, does not use that attempt up', async () => {
      let runs = 0;
      const wary = defineTask({
        name: 'wary',
        input: z.object({}),
        retry: { maxAttempts: 2, backoff: { initialMs: 10 } },
        run: () => {
          runs += 1;
          if (runs === 1) throw new Error('flaky upstream');
          if (runs === 2) throw snooze(50);
          return 'done';
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [wary] });
      const { job } = await conveyor.enqueue(wary, {});
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', attempt: 2 });
      expect(done.errors.map((e) => [e.attempt, e.message])).toEqual([[1, 'flaky upstream']]);
      expect(runs).toBe(3);
    });

    it('a discarded job is dead after one attempt, with the reason recorded, though attempts remain', async () => {
      let runs = 0;
      const pointless = defineTask({
        name: 'pointless',
        input: z.object({ customerId: z.string() }),
        retry: { maxAttempts: 5, backoff: { initialMs: 10 } },
        run: ({ customerId }) => {
          runs += 1;
          throw discard(`customer ${customerId} deleted`);
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [pointless] });
      const { job } = await conveyor.enqueue(pointless, { customerId: 'c-7' });
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'dead', attempt: 1, maxAttempts: 5 });
      expect(done.errors.map((e) => [e.attempt, e.message])).toEqual([[1, 'Discarded: customer c-7 deleted']]);
      expect(runs).toBe(1);
    });

    it('a handler that calls snooze with a bad delay fails the attempt with the message, to retry', async () => {
      let runs = 0;
      const careless = defineTask({
        name: 'careless',
        input: z.object({}),
        retry: { maxAttempts: 2, backoff: { initialMs: 10 } },
        run: () => {
          runs += 1;
          if (runs === 1) throw snooze(-1);
          return 'second try';
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [careless] });
      const { job } = await conveyor.enqueue(careless, {});
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', attempt: 2 });
      expect(done.errors[0]?.message).toMatch(/^snooze\(delayMs\): delayMs must be an integer/);
    });
  });
}
