/** Enqueueing (F5): validation before anything is written, scheduling, priorities, names. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConveyorNotFoundError, ConveyorValidationError } from '../../errors.js';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness } from './helpers.js';

const exportReport = defineTask({
  name: 'report.export',
  input: z
    .object({ from: z.iso.date(), to: z.iso.date(), groupBy: z.enum(['day', 'week']) })
    .refine((range) => range.from <= range.to, { message: 'must not be before from', path: ['to'] }),
  run: ({ from, to }) => ({ from, to }),
});

export function enqueueTests(createHarness: WorkerHarnessFactory): void {
  describe('enqueue', () => {
    const t = useHarness(createHarness);

    it('rejects invalid input with the field path and writes nothing', async () => {
      const conveyor = await t.open();
      const attempt = conveyor.enqueue(exportReport, { from: '2024-02-01', to: '2024-01-01', groupBy: 'year' } as never);
      await expect(attempt).rejects.toBeInstanceOf(ConveyorValidationError);
      await expect(attempt).rejects.toThrow(/Invalid input for task "report\.export": groupBy: .*/);
      const error = (await attempt.catch((e: unknown) => e)) as ConveyorValidationError;
      expect(error.issues.map((i) => i.path)).toContain('groupBy');
      expect((await conveyor.listJobs()).jobs).toEqual([]);
    });

    it('enqueueMany writes all jobs or none, naming the bad item', async () => {
      const conveyor = await t.open();
      const good = { task: exportReport, input: { from: '2024-01-01', to: '2024-01-31', groupBy: 'day' } };
      const bad = { task: exportReport, input: { from: '2024-01-01', to: '2023-01-01', groupBy: 'day' } };
      await expect(conveyor.enqueueMany([good, good, bad])).rejects.toThrow(/\[2\]\.to: must not be before from/);
      expect((await conveyor.listJobs()).jobs).toEqual([]);
      const results = await conveyor.enqueueMany([good, good]);
      expect(results.map((r) => r.job.state)).toEqual(['queued', 'queued']);
      expect((await conveyor.listJobs()).jobs).toHaveLength(2);
    });

    it('enqueue by name works for registered tasks and fails at once for unknown ones', async () => {
      const conveyor = await t.open({ tasks: [exportReport] });
      const { job } = await conveyor.enqueue('report.export', { from: '2024-01-01', to: '2024-01-02', groupBy: 'week' });
      expect(job).toMatchObject({ task: 'report.export', queue: 'default', state: 'queued' });
      await expect(conveyor.enqueue('report.exprot', {})).rejects.toBeInstanceOf(ConveyorNotFoundError);
      await expect(conveyor.enqueue('report.exprot', {})).rejects.toThrow('Unknown task "report.exprot": this client knows "report.export"');
    });

    it('runs a delayed job no sooner than its runAt', async () => {
      const ran: number[] = [];
      const later = defineTask({ name: 'later', input: z.object({}), run: () => void ran.push(Date.now()) });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [later] });
      const { job } = await conveyor.enqueue(later, {}, { delayMs: 300 });
      expect(job.state).toBe('scheduled');
      const done = await conveyor.waitFor(job.id);
      expect(done.state).toBe('succeeded');
      expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(job.runAt.getTime());
      expect(ran[0]).toBeGreaterThanOrEqual(job.createdAt.getTime() + 300);
    });

    it('runs higher priorities first', async () => {
      const order: number[] = [];
      const ordered = defineTask({ name: 'ordered', input: z.object({ n: z.number() }), run: ({ n }) => void order.push(n) });
      const conveyor = await t.open();
      const results = await conveyor.enqueueMany([
        { task: ordered, input: { n: 1 }, options: { priority: 0 } },
        { task: ordered, input: { n: 2 }, options: { priority: 10 } },
        { task: ordered, input: { n: 3 }, options: { priority: 5 } },
      ]);
      await t.startWorker(conveyor, { tasks: [ordered], concurrency: 1 });
      await Promise.all(results.map((r) => conveyor.waitFor(r.job.id)));
      expect(order).toEqual([2, 3, 1]);
    });
  });
}
