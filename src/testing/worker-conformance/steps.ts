/**
 * Durable steps through real workers: finished steps are not run again when the job runs again,
 * sleeps and waits free the worker and resume in any worker, events reach the jobs that wait for
 * them (sent before, during or after the wait, to one or many), and a worker process SIGKILLed
 * between two steps leaves the finished ones run exactly once.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConveyorStepError, ConveyorValidationError } from '../../errors.js';
import { defineEvent } from '../../step.js';
import { flowStep } from '../../client/flows.js';
import { defineTask } from '../../task.js';
import { openEffects, type EffectsTable } from '../effects.js';
import { stepsTask } from '../fixtures/tasks.js';
import { killHard, spawnFixture } from '../processes.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness } from './helpers.js';

const approved = defineEvent({ name: 'export.approved', payload: z.object({ exportId: z.number().int(), by: z.string().min(1) }) });

export function stepTests(createHarness: WorkerHarnessFactory): void {
  describe('durable steps', () => {
    const t = useHarness(createHarness);

    it('a finished step returns its stored result when the job runs again; an unfinished one runs again', async () => {
      const runs: string[] = [];
      const task = defineTask({
        name: 'steps.memo',
        input: z.object({}),
        retry: { maxAttempts: 3, backoff: { initialMs: 10, maxMs: 10 } },
        run: async (_input, ctx) => {
          const first = await ctx.step('first', () => (runs.push(`first@${ctx.job.attempt}`), { rows: 3 }));
          const nothing = await ctx.step('nothing', () => void runs.push(`nothing@${ctx.job.attempt}`));
          const second = await ctx.step('second', () => {
            runs.push(`second@${ctx.job.attempt}`);
            if (ctx.job.attempt === 1) throw new Error('the warehouse timed out');
            return first.rows * 2;
          });
          return { first, nothing: nothing === undefined, second };
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task] });
      const { job } = await conveyor.enqueue(task, {});
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: { first: { rows: 3 }, nothing: true, second: 6 } });
      expect(runs).toEqual(['first@1', 'nothing@1', 'second@1', 'second@2']);
      const steps = await conveyor.listSteps(job.id);
      expect(steps.map((step) => [step.name, step.kind, step.status, step.attempt])).toEqual([
        ['first', 'run', 'succeeded', 1],
        ['nothing', 'run', 'succeeded', 1],
        ['second', 'run', 'succeeded', 2],
      ]);
    });

    it('a step retries in place with its own policy; a result that is not JSON or a name used twice fails with the step named', async () => {
      let tries = 0;
      const task = defineTask({
        name: 'steps.misuse',
        input: z.object({ mistake: z.enum(['none', 'not-json', 'twice', 'not-a-string']) }),
        retry: { maxAttempts: 1 },
        run: async ({ mistake }, ctx) => {
          const flaky = await ctx.step('flaky', () => (++tries < 3 ? Promise.reject(new Error(`try ${tries}`)) : 'ok'), { retry: { maxAttempts: 3, backoff: { initialMs: 5, maxMs: 5 } } });
          if (mistake === 'not-json') await ctx.step('bigint', () => 10n);
          if (mistake === 'twice') for (let n = 0; n < 2; n++) await ctx.step('page', () => n);
          if (mistake === 'not-a-string') {
            // @ts-expect-error a step name is a string: a number does not type-check
            await ctx.step(42, () => 1).catch((error: unknown) => {
              throw error instanceof ConveyorStepError ? new Error(`ConveyorStepError: ${error.message}`) : error;
            });
          }
          return flaky;
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task] });
      const ok = await conveyor.enqueue(task, { mistake: 'none' });
      expect(await conveyor.waitFor(ok.job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 'ok' });
      expect(tries).toBe(3);
      const notJson = await conveyor.enqueue(task, { mistake: 'not-json' });
      const dead = await conveyor.waitFor(notJson.job.id, { timeoutMs: 10_000 });
      expect(dead.errors[0]?.message).toMatch(/^ctx\.step\("bigint"\): its result is not JSON \(Do not know how to serialize a BigInt\); return plain data/);
      expect((await conveyor.listSteps(notJson.job.id)).find((step) => step.name === 'bigint')).toMatchObject({ status: 'failed', error: expect.objectContaining({ message: expect.stringContaining('is not JSON') }) });
      const twice = await conveyor.enqueue(task, { mistake: 'twice' });
      expect((await conveyor.waitFor(twice.job.id, { timeoutMs: 10_000 })).errors[0]?.message).toBe('ctx.step("page"): step "page" was already used in this run; give each step its own name, e.g. `page-${i}` inside a loop');
      const notString = await conveyor.enqueue(task, { mistake: 'not-a-string' });
      expect((await conveyor.waitFor(notString.job.id, { timeoutMs: 10_000 })).errors[0]?.message).toBe(
        "ConveyorStepError: ctx.step(42): a step name must be a non-empty string of at most 200 characters, unique in the job; e.g. 'fetch-page-1'",
      );
    });

    it('a sleep frees the worker slot, holds nothing, and resumes after the steps before it without running them again', async () => {
      const runs: string[] = [];
      const task = defineTask({
        name: 'steps.sleepy',
        input: z.object({}),
        run: async (_input, ctx) => {
          await ctx.step('before', () => void runs.push('before'));
          await ctx.sleep('cool-down', 300);
          await ctx.step('after', () => void runs.push('after'));
          return 'woke';
        },
      });
      const quick = defineTask({ name: 'steps.quick', input: z.object({}), run: () => 'quick' });
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, { tasks: [task, quick], concurrency: 1 });
      const { job } = await conveyor.enqueue(task, {});
      await expectEventually(async () => expect((await conveyor.getJob(job.id))?.state).toBe('scheduled'));
      expect(worker.runningJobIds).toEqual([]);
      // The only slot is free while the job sleeps: another job runs meanwhile.
      const other = await conveyor.enqueue(quick, {});
      expect(await conveyor.waitFor(other.job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded' });
      expect((await conveyor.getJob(job.id))?.state).toBe('scheduled');
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', result: 'woke', attempt: 1 });
      expect(runs).toEqual(['before', 'after']);
      const sleep = (await conveyor.listSteps(job.id)).find((step) => step.name === 'cool-down');
      expect(sleep).toMatchObject({ kind: 'sleep', status: 'succeeded' });
      expect(sleep!.finishedAt!.getTime()).toBeGreaterThanOrEqual(sleep!.until!.getTime());
    });

    it('waitForEvent: an event sent while waiting, one sent before the wait, and one sent after the timeout; a match picks its job', async () => {
      const task = defineTask({
        name: 'steps.approval',
        input: z.object({ exportId: z.number().int(), timeoutMs: z.number().int() }),
        run: async ({ exportId, timeoutMs }, ctx) => {
          const approval = await ctx.waitForEvent<{ by: string }>('approval', { event: approved.name, match: { exportId }, timeoutMs });
          return approval.timedOut ? 'timed out' : `approved by ${approval.payload.by}`;
        },
      });
      const conveyor = await t.open({ events: [approved] });
      await t.startWorker(conveyor, { tasks: [task] });

      // During: the job is waiting (scheduled until its deadline) when the event comes.
      const during = await conveyor.enqueue(task, { exportId: 1, timeoutMs: 60_000 });
      await expectEventually(async () => expect((await conveyor.listSteps(during.job.id))[0]?.status).toBe('waiting'));
      expect((await conveyor.sendEvent(approved, { exportId: 99, by: 'nobody' })).resolvedJobIds, 'another export’s approval').toEqual([]);
      expect((await conveyor.sendEvent(approved, { exportId: 1, by: 'ada' })).resolvedJobIds).toEqual([during.job.id]);
      expect(await conveyor.waitFor(during.job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded', result: 'approved by ada' });

      // Before: the approval came before the job reached its wait (it was enqueued first).
      const before = await conveyor.enqueue(task, { exportId: 2, timeoutMs: 60_000 }, { delayMs: 300 });
      await conveyor.sendEvent('export.approved', { exportId: 2, by: 'grace' });
      expect(await conveyor.waitFor(before.job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded', result: 'approved by grace' });

      // After: nothing comes within the timeout; an event sent later changes nothing.
      const after = await conveyor.enqueue(task, { exportId: 3, timeoutMs: 200 });
      expect(await conveyor.waitFor(after.job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded', result: 'timed out' });
      expect((await conveyor.sendEvent(approved, { exportId: 3, by: 'late' })).resolvedJobIds).toEqual([]);
      expect((await conveyor.listSteps(after.job.id))[0]).toMatchObject({ kind: 'wait', status: 'timed-out' });

      // A payload that fails the event's schema is refused, naming the field; no job wakes.
      await expect(conveyor.sendEvent(approved, { exportId: 'four', by: '' })).rejects.toThrow(/^Invalid payload for event "export\.approved": exportId: .*; by: /);
      await expect(conveyor.sendEvent(approved, { exportId: 'four' })).rejects.toBeInstanceOf(ConveyorValidationError);
    });

    it('waitForEvent: two jobs waiting for one event both get it; two events at once each reach the job they match', async () => {
      const task = defineTask({
        name: 'steps.fanout',
        input: z.object({ key: z.string() }),
        run: async ({ key }, ctx) => {
          const got = await ctx.waitForEvent<{ n: number }>('signal', { event: 'batch.ready', match: key === 'any' ? undefined : { key }, timeoutMs: 60_000 });
          return got.timedOut ? null : got.payload.n;
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task], concurrency: 4 });
      const a = await conveyor.enqueue(task, { key: 'any' });
      const b = await conveyor.enqueue(task, { key: 'any' });
      const c = await conveyor.enqueue(task, { key: 'c' });
      const d = await conveyor.enqueue(task, { key: 'd' });
      await expectEventually(async () => {
        for (const id of [a, b, c, d].map((r) => r.job.id)) expect((await conveyor.listSteps(id))[0]?.status).toBe('waiting');
      });
      const [toC, toD] = await Promise.all([conveyor.sendEvent('batch.ready', { key: 'c', n: 3 }), conveyor.sendEvent('batch.ready', { key: 'd', n: 4 })]);
      expect([...toC.resolvedJobIds, ...toD.resolvedJobIds].sort()).toEqual([a.job.id, b.job.id, c.job.id, d.job.id].sort());
      const results = await Promise.all([a, b, c, d].map((r) => conveyor.waitFor(r.job.id, { timeoutMs: 5_000 })));
      expect(results.map((job) => job.result)).toEqual([expect.any(Number), expect.any(Number), 3, 4]);
    });

    it('flows and steps together: a child runs steps, and the parent waits for an event before it settles', async () => {
      const child = defineTask({
        name: 'steps.flow-child',
        input: z.object({ month: z.string() }),
        run: async ({ month }, ctx) => ctx.step(`total-${month}`, () => month.length * 10),
      });
      const parent = defineTask({
        name: 'steps.flow-parent',
        input: z.object({ exportId: z.string() }),
        run: async ({ exportId }, ctx) => {
          const totals = ctx.children.map((c) => c.result as number);
          const approval = await ctx.waitForEvent<{ by: string }>('approval', { event: 'flow.approved', match: { exportId }, timeoutMs: 60_000 });
          return { sum: totals.reduce((a, b) => a + b, 0), by: approval.timedOut ? null : approval.payload.by };
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [child, parent], concurrency: 3 });
      const flow = await conveyor.flows.enqueue(flowStep(parent, { exportId: 'f-1' }, { children: ['2026-01', '2026-02'].map((month) => flowStep(child, { month })) }));
      await expectEventually(async () => expect((await conveyor.listSteps(flow.id)).map((step) => step.status)).toEqual(['waiting']));
      for (const job of flow.jobs.filter((job) => job.id !== flow.id)) expect((await conveyor.listSteps(job.id)).map((step) => [step.kind, step.status])).toEqual([['run', 'succeeded']]);
      await conveyor.sendEvent('flow.approved', { exportId: 'f-1', by: 'ada' });
      expect(await conveyor.waitFor(flow.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded', result: { sum: 140, by: 'ada' } });
    });

    it('waitForEvent: a match compares whole values (an array inside a larger one does not match), also for text with \\u escapes', async () => {
      const task = defineTask({
        name: 'steps.exact-match',
        input: z.object({ match: z.record(z.string(), z.unknown()) }),
        run: async ({ match }, ctx) => {
          const got = await ctx.waitForEvent('check', { event: 'match.check', match, timeoutMs: 60_000 });
          return got.timedOut ? null : got.payload;
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task], concurrency: 4 });
      const tags = await conveyor.enqueue(task, { match: { tags: ['a'] } });
      const nul = await conveyor.enqueue(task, { match: { note: 'x\u0000y' } });
      const n = await conveyor.enqueue(task, { match: { n: 1 } });
      await expectEventually(async () => {
        for (const id of [tags, nul, n].map((r) => r.job.id)) expect((await conveyor.listSteps(id))[0]?.status).toBe('waiting');
      });
      expect((await conveyor.sendEvent('match.check', { tags: ['a', 'b'], n: 2, note: 'x' })).resolvedJobIds).toEqual([]);
      expect((await conveyor.sendEvent('match.check', { note: 'x\u0000y', n: 1, odd: '\ud800' })).resolvedJobIds.sort()).toEqual([nul.job.id, n.job.id].sort());
      expect((await conveyor.sendEvent('match.check', { tags: ['a'] })).resolvedJobIds).toEqual([tags.job.id]);
      expect(await conveyor.waitFor(nul.job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded', result: { note: 'x\u0000y', n: 1 } });
    });

    it('cancel and retry work on a sleeping job', async () => {
      const task = defineTask({
        name: 'steps.long-sleep',
        input: z.object({}),
        run: async (_input, ctx) => {
          await ctx.sleep('night', 3_600_000);
          return 'morning';
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [task] });
      const { job } = await conveyor.enqueue(task, {});
      await expectEventually(async () => expect((await conveyor.getJob(job.id))?.state).toBe('scheduled'));
      expect((await conveyor.cancel(job.id)).state).toBe('cancelled');
      const retried = await conveyor.retry(job.id);
      expect(retried.state).toBe('queued');
      // Retried, it resumes at its sleep, which has not ended: back to sleep, not run from the start.
      await expectEventually(async () => expect((await conveyor.getJob(job.id))?.state).toBe('scheduled'));
      expect((await conveyor.listSteps(job.id)).map((step) => [step.name, step.status])).toEqual([['night', 'sleeping']]);
    });

    it('a worker process SIGKILLed between step 2 and step 3 of 5: the job finishes with steps 1 and 2 run exactly once', async () => {
      const conveyor = await t.open();
      const effects = await openEffects(t.harness.storeUrl);
      try {
        const { job } = await conveyor.enqueue(stepsTask, { steps: 5 });
        const doomed = spawnFixture('worker-process.ts', { STORE_URL: t.harness.storeUrl, TASKS: 'steps', LEASE_MS: '1000' });
        await doomed.waitForLine((line) => line === `between 2 and 3 of ${job.id}`);
        await killHard(doomed);
        await t.startWorker(conveyor, {
          tasks: [stepsTask],
          resources: { effects: { create: () => openEffects(t.harness.storeUrl), close: (table: EffectsTable) => table.close() }, hang: { create: () => false } },
        });
        const done = await conveyor.waitFor(job.id, { timeoutMs: 20_000 });
        expect(done).toMatchObject({ state: 'succeeded', result: { steps: 5 } });
        const runs = await effects.countByJob();
        expect([1, 2, 3, 4, 5].map((n) => runs.get(`${job.id}:step-${n}`))).toEqual([1, 1, 1, 1, 1]);
        expect((await conveyor.listSteps(job.id)).map((step) => step.status)).toEqual(Array(5).fill('succeeded'));
      } finally {
        await effects.close();
      }
    }, 30_000);
  });
}

async function expectEventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
