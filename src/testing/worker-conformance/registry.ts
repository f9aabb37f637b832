/** The worker registry and orphans (F1): what no live worker serves is visible at once. */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness } from './helpers.js';

const email = defineTask({ name: 'email.send', queue: 'mail', input: z.object({ to: z.string() }), run: () => 'sent' });
const scan = defineTask({ name: 'upload.scan', queue: 'mail', input: z.object({}), run: () => 'clean' });
const report = defineTask({ name: 'report.build', queue: 'reports', input: z.object({}), run: () => 'built' });

export function registryTests(createHarness: WorkerHarnessFactory): void {
  describe('worker registry and orphans', () => {
    const t = useHarness(createHarness);

    it('a started worker records what it serves; stop removes the record', async () => {
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, { tasks: [email, scan], concurrency: 3 });
      const [record] = await conveyor.listWorkers();
      expect(record).toMatchObject({ id: worker.id, host: hostname(), pid: process.pid, queues: ['mail'], tasks: ['email.send', 'upload.scan'], concurrency: 3, live: true });
      await worker.stop();
      expect(await conveyor.listWorkers()).toEqual([]);
    });

    it('reports queued jobs whose queue or task no live worker serves, and stops once one does', async () => {
      const conveyor = await t.open();
      await conveyor.enqueueMany([
        { task: email, input: { to: 'a@example.com' } },
        { task: email, input: { to: 'b@example.com' } },
        { task: report, input: {} },
      ]);
      const before = await conveyor.orphans();
      expect(before.jobs.map((g) => [g.task, g.queue, g.count, g.reason]).sort()).toEqual([
        ['email.send', 'mail', 2, 'queue-not-served'],
        ['report.build', 'reports', 1, 'queue-not-served'],
      ]);

      // A worker on the mail queue that does not know email.send leaves those jobs orphaned.
      await t.startWorker(conveyor, { tasks: [scan] });
      const partly = await conveyor.orphans();
      expect(partly.jobs.find((g) => g.task === 'email.send')?.reason).toBe('task-not-served');

      const worker = await t.startWorker(conveyor, { tasks: [email, report] });
      await new Promise<void>((resolve) => {
        let settled = 0;
        worker.on('job-settled', () => ++settled === 3 && resolve());
      });
      expect((await conveyor.orphans()).jobs).toEqual([]);
    });

    it('shows a worker whose heartbeat stopped as stalled, and its jobs as orphans', async () => {
      const conveyor = await t.open({ workerStaleAfterMs: 1_000 });
      await conveyor.store.workers.register({
        worker: { id: 'gone-worker', host: 'old-host', pid: 4242, queues: ['reports'], tasks: ['report.build'], concurrency: 1, startedAt: new Date(Date.now() - 60_000), lastHeartbeatAt: new Date(Date.now() - 30_000), handlersIgnoringAbort: [], dependencies: [], taskShapes: [] },
      });
      await conveyor.enqueue(report, {});
      const found = await conveyor.orphans();
      expect(found.stalledWorkers.map((w) => w.id)).toEqual(['gone-worker']);
      expect(found.liveWorkers).toEqual([]);
      expect(found.jobs).toMatchObject([{ task: 'report.build', queue: 'reports', count: 1, reason: 'queue-not-served' }]);
      expect((await conveyor.listWorkers())[0]).toMatchObject({ id: 'gone-worker', live: false });
    });
  });
}
