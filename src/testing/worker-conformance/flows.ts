/** Flows end to end: chains pass results along, fan-ins wait for every child, and a dead child fails (or not) its parent. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chain, flowStep, type FlowNode } from '../../client/flows.js';
import { ConveyorConfigError, ConveyorValidationError } from '../../errors.js';
import type { JobState } from '../../job.js';
import { defineTask, type ChildResult } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, useHarness, whenAborted } from './helpers.js';

/** Every job of a flow tree with its state, root first, children in order. */
function statesOf(node: FlowNode): Array<{ task: string; state: JobState }> {
  return [{ task: node.job.task, state: node.job.state }, ...node.children.flatMap(statesOf)];
}

export function flowTests(createHarness: WorkerHarnessFactory): void {
  describe('flows', () => {
    const t = useHarness(createHarness);

    it('a 3-step chain passes each step the previous step’s result, and the root’s result is the flow’s', async () => {
      const seen: Array<{ task: string; children: readonly ChildResult[] }> = [];
      const upload = z.object({ uploadId: z.string() });
      const scan = defineTask({
        name: 'upload.scan',
        input: upload,
        run: ({ uploadId }, ctx) => {
          seen.push({ task: 'scan', children: ctx.children });
          return { uploadId, clean: true };
        },
      });
      const resize = defineTask({
        name: 'upload.resize',
        input: upload,
        run: ({ uploadId }, ctx) => {
          seen.push({ task: 'resize', children: ctx.children });
          const scanned = ctx.children[0]?.result as { clean: boolean };
          return { uploadId, clean: scanned.clean, sizes: [64, 256] };
        },
      });
      const publish = defineTask({
        name: 'upload.publish',
        input: upload,
        run: ({ uploadId }, ctx) => {
          seen.push({ task: 'publish', children: ctx.children });
          const resized = ctx.children[0]?.result as { sizes: number[] };
          return { url: `https://cdn.example/${uploadId}`, sizes: resized.sizes };
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [scan, resize, publish] });
      const input = { uploadId: 'u-1' };
      const flow = await conveyor.flows.enqueue(chain(flowStep(scan, input), flowStep(resize, input), flowStep(publish, input)));
      expect(statesOf(flow.root)).toEqual([
        { task: 'upload.publish', state: 'waiting' },
        { task: 'upload.resize', state: 'waiting' },
        { task: 'upload.scan', state: 'queued' },
      ]);

      const done = await conveyor.waitFor(flow.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', result: { url: 'https://cdn.example/u-1', sizes: [64, 256] } });
      expect(seen.map((run) => run.task)).toEqual(['scan', 'resize', 'publish']);
      expect(seen[0]?.children).toEqual([]);
      expect(seen[1]?.children).toEqual([{ id: flow.root.children[0]?.children[0]?.job.id, task: 'upload.scan', state: 'succeeded', result: { uploadId: 'u-1', clean: true }, error: null }]);
      expect(seen[2]?.children[0]).toMatchObject({ task: 'upload.resize', state: 'succeeded', result: { sizes: [64, 256] } });

      const after = await conveyor.flows.get(flow.id);
      expect(after?.jobs).toHaveLength(3);
      expect(statesOf(after!.root).map((node) => node.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    });

    it('a fan-in over 20 children runs once, after all 20 succeeded, with their 20 results in order', async () => {
      const parentRuns: Array<readonly ChildResult[]> = [];
      let childrenFinished = 0;
      const queryMonth = defineTask({
        name: 'export.month',
        input: z.object({ month: z.number().int() }),
        run: async ({ month }) => {
          await new Promise((resolve) => setTimeout(resolve, month % 3));
          childrenFinished += 1;
          return { month, rows: month * 10 };
        },
      });
      const zipParts = defineTask({
        name: 'export.zip',
        input: z.object({ exportId: z.string() }),
        run: (_input, ctx) => {
          parentRuns.push(ctx.children);
          expect(childrenFinished).toBe(20);
          return { parts: ctx.children.length, rows: ctx.children.reduce((sum, child) => sum + (child.result as { rows: number }).rows, 0) };
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [queryMonth, zipParts], concurrency: 8 });
      const months = Array.from({ length: 20 }, (_, index) => index + 1);
      const flow = await conveyor.flows.enqueue(flowStep(zipParts, { exportId: 'e-1' }, { children: months.map((month) => flowStep(queryMonth, { month })) }));
      expect(flow.root.job.state).toBe('waiting');

      const done = await conveyor.waitFor(flow.id, { timeoutMs: 15_000 });
      expect(done).toMatchObject({ state: 'succeeded', result: { parts: 20, rows: 2100 } });
      expect(parentRuns).toHaveLength(1);
      expect(parentRuns[0]?.map((child) => (child.result as { month: number }).month)).toEqual(months);
      expect(parentRuns[0]?.every((child) => child.state === 'succeeded')).toBe(true);
    });

    it('a dead child fails its parent, naming the child, its task and its error, and the failure climbs the chain', async () => {
      let parentRan = false;
      const fetchRates = defineTask({
        name: 'rates.fetch',
        input: z.object({}),
        retry: { maxAttempts: 2, backoff: { initialMs: 10, jitter: 0 } },
        run: () => {
          throw new Error('upstream returned 503');
        },
      });
      const fetchOk = defineTask({ name: 'rates.fetch-ok', input: z.object({}), run: () => 'ok' });
      const combine = defineTask({
        name: 'rates.combine',
        input: z.object({}),
        run: () => {
          parentRan = true;
        },
      });
      const report = defineTask({
        name: 'rates.report',
        input: z.object({}),
        run: () => {
          parentRan = true;
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [fetchRates, fetchOk, combine, report] });
      const flow = await conveyor.flows.enqueue(
        chain(flowStep(combine, {}, { children: [flowStep(fetchOk, {}), flowStep(fetchRates, {})] }), flowStep(report, {})),
      );

      const done = await conveyor.waitFor(flow.id, { timeoutMs: 10_000 });
      const after = (await conveyor.flows.get(flow.id))!;
      const combineJob = after.root.children[0]!.job;
      const deadChild = after.root.children[0]!.children[1]!.job;
      expect(deadChild).toMatchObject({ task: 'rates.fetch', state: 'dead', attempt: 2 });
      expect(combineJob.state).toBe('dead');
      expect(combineJob.attempt).toBe(0);
      expect(combineJob.errors.at(-1)?.message).toContain(`Child job ${deadChild.id} (task "rates.fetch") ended dead: upstream returned 503`);
      expect(done.state).toBe('dead');
      expect(done.errors.at(-1)?.message).toContain(`Child job ${combineJob.id} (task "rates.combine") ended dead`);
      expect(done.errors.at(-1)?.message).toContain('upstream returned 503');
      expect(after.root.children[0]!.children[0]!.job.state).toBe('succeeded');
      expect(parentRan).toBe(false);
    });

    it("with onChildFailure 'continue', the parent runs with the results there are and sees the dead child", async () => {
      const flaky = defineTask({
        name: 'part.build',
        input: z.object({ part: z.number() }),
        retry: { maxAttempts: 1 },
        run: ({ part }) => {
          if (part === 2) throw new Error(`part ${part} is corrupt`);
          return { part };
        },
      });
      let seen: readonly ChildResult[] = [];
      const assemble = defineTask({
        name: 'part.assemble',
        input: z.object({}),
        run: (_input, ctx) => {
          seen = ctx.children;
          return ctx.children.filter((child) => child.state === 'succeeded').length;
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [flaky, assemble] });
      const flow = await conveyor.flows.enqueue(
        flowStep(assemble, {}, { onChildFailure: 'continue', children: [1, 2, 3].map((part) => flowStep(flaky, { part })) }),
      );
      const done = await conveyor.waitFor(flow.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({ state: 'succeeded', result: 2 });
      expect(seen.map((child) => child.state)).toEqual(['succeeded', 'dead', 'succeeded']);
      expect(seen[1]).toMatchObject({ result: null, error: { message: 'part 2 is corrupt' } });
    });

    it('a flow with one invalid child input stores nothing, and the error names the step and field', async () => {
      const queryMonth = defineTask({ name: 'export.month', input: z.object({ month: z.number().int().min(1).max(12) }), run: () => null });
      const zipParts = defineTask({ name: 'export.zip', input: z.object({ exportId: z.string() }), run: () => null });
      const conveyor = await t.open();
      const children = [1, 2, 3, 13, 5].map((month) => flowStep(queryMonth, { month }));
      const attempt = conveyor.flows.enqueue(flowStep(zipParts, { exportId: 'e-1' }, { children }));
      await expect(attempt).rejects.toThrow(ConveyorValidationError);
      await expect(attempt).rejects.toThrow(/flow\.children\[3\]\.input\.month/);
      expect((await conveyor.listJobs()).jobs).toEqual([]);

      await expect(conveyor.flows.enqueue(flowStep(zipParts, { exportId: 'e-1' }, { children: [{ task: queryMonth, input: { month: 1 }, options: { dedupKey: 'x' } as never }] }))).rejects.toThrow(
        /flow\.children\[0\]\.options\.dedupKey: is not allowed/,
      );
      await expect(conveyor.flows.enqueue(flowStep(zipParts, { exportId: 'e-1' }, { onChildFailure: 'ignore' as never }))).rejects.toThrow(ConveyorConfigError);
      await expect(conveyor.flows.enqueue({ task: 'no.such.task', input: {} })).rejects.toThrow(/Unknown task "no.such.task"/);
      expect((await conveyor.listJobs()).jobs).toEqual([]);
    });

    it('cancelling a flow cancels its waiting and queued jobs, and aborts the running one', async () => {
      const started = deferred();
      const reasons: unknown[] = [];
      const slow = defineTask({
        name: 'slow.part',
        input: z.object({}),
        run: async (_input, ctx) => {
          started.resolve();
          reasons.push(await whenAborted(ctx.signal));
          throw new Error('stopped');
        },
      });
      const later = defineTask({ name: 'later.part', input: z.object({}), run: () => 'ran' });
      const parent = defineTask({ name: 'parent.part', input: z.object({}), run: () => 'ran' });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [slow, parent], concurrency: 1 });
      const flow = await conveyor.flows.enqueue(flowStep(parent, {}, { children: [flowStep(slow, {}), flowStep(later, {})] }));
      await started.promise;

      const cancelled = await conveyor.flows.cancel(flow.id);
      // The running job is only asked to stop; its worker may already have recorded it cancelled.
      expect(statesOf(cancelled.root).map((node) => node.state)).toEqual(['cancelled', expect.stringMatching(/^(running|cancelled)$/), 'cancelled']);
      expect(cancelled.root.children[0]?.job.cancelRequestedAt).toBeInstanceOf(Date);
      const running = await conveyor.waitFor(flow.root.children[0]!.job.id, { timeoutMs: 10_000 });
      expect(running.state).toBe('cancelled');
      expect(reasons[0]).toMatchObject({ name: 'JobAbortedError', reason: 'cancel' });
      const after = (await conveyor.flows.get(flow.id))!;
      expect(after.jobs.map((job) => job.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      await expect(conveyor.flows.cancel('999999999')).rejects.toThrow(/No flow with id "999999999"/);
      expect(await conveyor.flows.get('999999999')).toBeNull();
    });
  });
}
