/**
 * A handler that ignores its AbortSignal (after a timeout here) keeps running: its outcome is
 * recorded at the abort, but its slot stays busy until it returns, it is reported while it runs on,
 * and the job's next attempt never starts in this process beside it.
 */
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { JobStateUpdate } from '../../store/store.js';
import { defineTask } from '../../task.js';
import { captureLogger } from '../capture-logger.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, useHarness } from './helpers.js';

interface Run {
  attempt: number;
  startedAt: number;
  returnedAt?: number;
}

/** A task whose first attempt outlives its 100 ms timeout until `release` is called; later attempts return at once. */
function deafTask() {
  const runs: Run[] = [];
  const firstStarted = deferred();
  const release = deferred();
  const task = defineTask({
    name: 'deaf.export',
    input: z.object({}),
    timeoutMs: 100,
    retry: { maxAttempts: 3, backoff: { initialMs: 10, maxMs: 10 } },
    run: async (_input, ctx) => {
      const run: Run = { attempt: ctx.job.attempt, startedAt: Date.now() };
      runs.push(run);
      if (ctx.job.attempt === 1) {
        firstStarted.resolve();
        await release.promise; // ctx.signal is ignored on purpose
      }
      run.returnedAt = Date.now();
      return `attempt ${ctx.job.attempt}`;
    },
  });
  return { task, runs, firstStarted, release };
}

export function abortIgnoredTests(createHarness: WorkerHarnessFactory): void {
  describe('a handler that ignores its abort', () => {
    const t = useHarness(createHarness);

    it('keeps its slot until it returns, is reported meanwhile, and its retry starts only after it returned (concurrency 1)', async () => {
      const { task, runs, firstStarted, release } = deafTask();
      const logger = captureLogger();
      const conveyor = await t.open({ logger });
      const worker = await t.startWorker(conveyor, { tasks: [task], concurrency: 1 });
      const settled: JobStateUpdate[] = [];
      worker.on('job-settled', (_job, update) => update !== null && settled.push(update));
      const { job } = await conveyor.enqueue(task, {});
      await firstStarted.promise;

      // The timeout is recorded at the abort, while the handler still runs.
      await vi.waitFor(() => expect(settled.map((update) => update.kind)).toEqual(['failed']));
      expect(worker.runningJobIds).toEqual([job.id]);
      await vi.waitFor(() => expect(worker.handlersIgnoringAbort).toMatchObject([{ jobId: job.id, attempt: 1, reason: 'timeout' }]), { timeout: 5_000 });
      await vi.waitFor(() => expect(logger.find('a handler ignores its abort signal and is still running; its slot stays busy until it returns')).toHaveLength(1));
      expect(runs).toHaveLength(1);

      release.resolve();
      expect(await conveyor.waitFor(job.id)).toMatchObject({ state: 'succeeded', attempt: 2, result: 'attempt 2' });
      expect(runs[1]!.startedAt).toBeGreaterThanOrEqual(runs[0]!.returnedAt!);
      expect(worker.handlersIgnoringAbort).toEqual([]);
      expect(logger.find('a handler that ignored its abort has returned; its slot is free')).toHaveLength(1);
    });

    it('does not start the same job again beside it, and lends the free slot to other jobs (concurrency 2)', async () => {
      const { task, runs, firstStarted, release } = deafTask();
      const other = defineTask({ name: 'deaf.other', input: z.object({ n: z.number() }), run: ({ n }) => n });
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, { tasks: [task, other], concurrency: 2 });
      const { job } = await conveyor.enqueue(task, {});
      await firstStarted.promise;
      // The job is retried after 10 ms; this worker claims it while attempt 1 still runs, and hands it back.
      const handedBack = new Promise<void>((resolve) =>
        worker.on('job-settled', (settledJob, update) => settledJob.id === job.id && update?.kind === 'snoozed' && resolve()),
      );
      await handedBack;
      const { job: otherJob } = await conveyor.enqueue(other, { n: 5 });
      expect(await conveyor.waitFor(otherJob.id)).toMatchObject({ state: 'succeeded', result: 5 });
      expect(runs).toHaveLength(1);

      release.resolve();
      const done = await conveyor.waitFor(job.id);
      expect(done).toMatchObject({ state: 'succeeded', result: `attempt ${done.attempt}` });
      expect(runs.map((run) => run.attempt)).toEqual([1, done.attempt]);
      expect(runs[1]!.startedAt).toBeGreaterThanOrEqual(runs[0]!.returnedAt!);
    });
  });
}
