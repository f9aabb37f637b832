/** Dedup keys (F3): semantics around running and finished jobs, and a race between processes. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../task.js';
import { dedupTask } from '../fixtures/tasks.js';
import { spawnFixture } from '../processes.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, useHarness } from './helpers.js';

export function dedupTests(createHarness: WorkerHarnessFactory): void {
  describe('dedup', () => {
    const t = useHarness(createHarness);

    it('returns the running job for its key, and creates a new job once it has finished', async () => {
      const release = deferred();
      const started = deferred();
      const analyse = defineTask({
        name: 'trace.analyse',
        input: z.object({ traceId: z.string() }),
        dedup: { key: ({ traceId }) => traceId },
        run: async () => (started.resolve(), await release.promise, 'analysed'),
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [analyse] });
      const first = await conveyor.enqueue(analyse, { traceId: 't-1' });
      expect(first.duplicate).toBe(false);
      await started.promise;
      const whileRunning = await conveyor.enqueue(analyse, { traceId: 't-1' });
      expect(whileRunning).toMatchObject({ duplicate: true, job: { id: first.job.id, state: 'running' } });
      const otherKey = await conveyor.enqueue(analyse, { traceId: 't-2' }, { delayMs: 60_000 });
      expect(otherKey.duplicate).toBe(false);
      release.resolve();
      await conveyor.waitFor(first.job.id);
      const afterFinish = await conveyor.enqueue(analyse, { traceId: 't-1' });
      expect(afterFinish.duplicate).toBe(false);
      expect(afterFinish.job.id).not.toBe(first.job.id);
    });

    it('200 concurrent enqueues of one key from 4 processes create exactly one job', async () => {
      const conveyor = await t.open();
      const producers = Array.from({ length: 4 }, () =>
        spawnFixture('enqueue-process.ts', { STORE_URL: t.harness.storeUrl, TRACE_ID: 'race-1', COUNT: '50' }),
      );
      await Promise.all(producers.map((p) => p.waitForLine((line) => line === 'ready')));
      for (const producer of producers) producer.child.stdin?.write('go\n');
      const reports = await Promise.all(
        producers.map(async (p) => JSON.parse(await p.waitForLine((line) => line.startsWith('{'))) as { ids: string[]; created: number }),
      );
      await Promise.all(producers.map((p) => p.exited));
      const ids = new Set(reports.flatMap((r) => r.ids));
      expect(ids.size).toBe(1);
      expect(reports.reduce((sum, r) => sum + r.created, 0)).toBe(1);
      const stored = await conveyor.listJobs({ task: dedupTask.name });
      expect(stored.jobs.map((j) => j.id)).toEqual([...ids]);
      expect(stored.jobs[0]?.dedupKey).toBe('trace:race-1');
    }, 60_000);
  });
}
