/**
 * Queue limits across processes: three worker processes serve one limited queue, and the times the
 * jobs ran prove the limits held. Per-key concurrency is checked on the handlers' own start and end
 * times (each lies inside the span the store counted the job as running); the rate limit on the
 * start times the claims recorded, which are what the limit is defined over.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../job.js';
import { limitedTask, type RunInterval } from '../fixtures/tasks.js';
import { spawnFixture, type TestProcess } from '../processes.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness } from './helpers.js';

const PROCESSES = 3;

/** The most intervals that overlap at one instant (an interval ending as another starts does not overlap it). */
function maxOverlap(intervals: RunInterval[]): number {
  const events = intervals.flatMap(({ startedAt, endedAt }) => [
    { at: startedAt, delta: 1 },
    { at: endedAt, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const { delta } of events) most = Math.max(most, (running += delta));
  return most;
}

/** The most of these times inside any window `(t - windowMs, t]`. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[first] as number) <= (sorted[last] as number) - windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

export function limitTests(createHarness: WorkerHarnessFactory): void {
  describe('queue limits across worker processes', () => {
    const t = useHarness(createHarness);

    it('setQueueLimits keeps limits left out, removes null ones, and lists them with the queue', async () => {
      const conveyor = await t.open();
      expect(await conveyor.setQueueLimits('limited', { concurrency: 5, rate: { limit: 20, intervalMs: 1_000 } })).toMatchObject({
        name: 'limited',
        paused: false,
        limits: { concurrency: 5, perKey: null, rate: { limit: 20, intervalMs: 1_000 } },
      });
      await conveyor.setQueueLimits('limited', { perKey: 2, rate: null });
      await conveyor.pauseQueue('limited');
      expect(await conveyor.listQueues()).toEqual([
        expect.objectContaining({ name: 'limited', paused: true, limits: { concurrency: 5, perKey: 2, rate: null } }),
      ]);
    });

    it('setQueueLimits refuses bad values, naming the setting and a valid value, and changes nothing', async () => {
      const conveyor = await t.open();
      const where = 'setQueueLimits(name, limits)';
      await expect(conveyor.setQueueLimits('limited', { concurrency: 0 })).rejects.toThrow(
        `${where}.concurrency: must be an integer from 1 to 2147483647, or null for no limit, got 0. Example of a valid value: 5`,
      );
      await expect(conveyor.setQueueLimits('limited', { perKey: 1.5 })).rejects.toThrow(`${where}.perKey: must be an integer from 1 to 2147483647`);
      await expect(conveyor.setQueueLimits('limited', { rate: { limit: 20, intervalMs: 0 } })).rejects.toThrow(
        `${where}.rate.intervalMs: must be an integer from 1 to 2147483647, got 0. Example of a valid value: { limit: 20, intervalMs: 1000 }`,
      );
      await expect(conveyor.setQueueLimits('limited', { rate: 20 as never })).rejects.toThrow(`${where}.rate: must be { limit, intervalMs } or null for no limit, got 20`);
      await expect(conveyor.setQueueLimits('limited', { max: 3 } as never)).rejects.toThrow(`${where}.max: is not a queue limit`);
      await expect(conveyor.setQueueLimits('bad queue', { concurrency: 1 })).rejects.toThrow(/^setQueueLimits\(name\): must be 1–128 letters/);
      expect(await conveyor.listQueues()).toEqual([]);
    });

    async function startWorkers(): Promise<TestProcess[]> {
      const workers = Array.from({ length: PROCESSES }, () => spawnFixture('worker-process.ts', { STORE_URL: t.harness.storeUrl, TASKS: 'limited', CONCURRENCY: '10' }));
      await Promise.all(workers.map((worker) => worker.waitForLine((line) => line.startsWith('ready '))));
      return workers;
    }

    async function stopWorkers(workers: TestProcess[]): Promise<void> {
      for (const worker of workers) worker.child.kill('SIGTERM');
      await Promise.all(workers.map((worker) => worker.exited));
    }

    it('with a limit of 2 per tenant over 3 processes, never more than 2 jobs of a tenant run at once', async () => {
      const conveyor = await t.open();
      await conveyor.setQueueLimits('limited', { perKey: 2 });
      const tenants = ['a', 'b', 'c', 'd'];
      const workers = await startWorkers();
      try {
        const enqueued = await conveyor.enqueueMany(
          tenants.flatMap((tenant) => Array.from({ length: 8 }, () => ({ task: limitedTask, input: { tenant, sleepMs: 60 } }))),
        );
        const finished = await Promise.all(enqueued.map(({ job }) => conveyor.waitFor(job.id, { timeoutMs: 15_000 })));
        expect(finished.map((job) => job.state)).toEqual(Array(enqueued.length).fill('succeeded'));
        const overlaps = tenants.map((tenant) =>
          maxOverlap(finished.filter((job) => (job.input as { tenant: string }).tenant === tenant).map((job) => job.result as RunInterval)),
        );
        expect(Math.max(...overlaps)).toBe(2);
        // And the limit is per tenant, not for the queue: different tenants ran side by side.
        expect(maxOverlap(finished.map((job) => job.result as RunInterval))).toBeGreaterThan(2);
      } finally {
        await stopWorkers(workers);
      }
    }, 30_000);

    it('with a rate limit of 20 per second over 3 processes, no one-second window holds more than 20 starts', async () => {
      const conveyor = await t.open();
      await conveyor.setQueueLimits('limited', { rate: { limit: 20, intervalMs: 1_000 } });
      const workers = await startWorkers();
      try {
        const enqueued = await conveyor.enqueueMany(Array.from({ length: 60 }, (_, n) => ({ task: limitedTask, input: { tenant: `t${n}`, sleepMs: 0 } })));
        const finished: Job[] = await Promise.all(enqueued.map(({ job }) => conveyor.waitFor(job.id, { timeoutMs: 15_000 })));
        expect(finished.map((job) => job.state)).toEqual(Array(60).fill('succeeded'));
        const starts = finished.map((job) => (job.startedAt as Date).getTime());
        expect(maxInWindow(starts, 1_000)).toBe(20);
        // 60 starts at 20 a second: the third twenty cannot start before 2 s after the first.
        expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(2_000);
      } finally {
        await stopWorkers(workers);
      }
    }, 30_000);
  });
}
