/** Retention: finished jobs are pruned by the maintenance loop once past their retention. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { useHarness } from './helpers.js';

export function maintenanceTests(createHarness: WorkerHarnessFactory): void {
  describe('maintenance', () => {
    const t = useHarness(createHarness);

    it('prunes succeeded jobs past their retention and keeps dead ones within theirs', async () => {
      const ok = defineTask({ name: 'ok', input: z.object({}), run: () => 'fine' });
      const bad = defineTask({ name: 'bad', input: z.object({}), retry: { maxAttempts: 1 }, run: () => { throw new Error('nope'); } });
      const conveyor = await t.open({ retention: { succeededMs: 0, deadMs: 3_600_000 } });
      const worker = await t.startWorker(conveyor, { tasks: [ok, bad], maintenance: { intervalMs: 60_000, pruneIntervalMs: 10 } });
      const [succeeded, dead] = await conveyor.enqueueMany([{ task: ok, input: {} }, { task: bad, input: {} }]);
      await conveyor.waitFor(succeeded!.job.id);
      await conveyor.waitFor(dead!.job.id);
      await new Promise((resolve) => setTimeout(resolve, 15)); // past pruneIntervalMs since the start-up run
      await worker.runMaintenance();
      expect(await conveyor.getJob(succeeded!.job.id)).toBeNull();
      expect((await conveyor.getJob(dead!.job.id))?.state).toBe('dead');
    });

    it('prunes dashboard sessions once they expired, and keeps valid ones', async () => {
      const ok = defineTask({ name: 'ok', input: z.object({}), run: () => 'fine' });
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, { tasks: [ok], maintenance: { intervalMs: 60_000, pruneIntervalMs: 10 } });
      const now = Date.now();
      const session = (idHash: string, expiresAt: number) => ({ idHash, tokenHash: 'f'.repeat(64), createdAt: new Date(now - 60_000), expiresAt: new Date(expiresAt) });
      await conveyor.store.sessions.create({ session: session('e'.repeat(64), now - 1_000) });
      await conveyor.store.sessions.create({ session: session('v'.repeat(64), now + 3_600_000) });
      await new Promise((resolve) => setTimeout(resolve, 15)); // past pruneIntervalMs since the start-up run
      await worker.runMaintenance();
      expect(await conveyor.store.sessions.get({ idHash: 'e'.repeat(64) })).toBeNull();
      expect(await conveyor.store.sessions.get({ idHash: 'v'.repeat(64) })).not.toBeNull();
    });

    it.each([
      ['prunes job events past their retention', 0, 0],
      ['keeps job events within their retention', 3_600_000, 3],
    ])('%s', async (_title, eventsMs, kept) => {
      const ok = defineTask({ name: 'ok', input: z.object({}), run: () => 'fine' });
      const conveyor = await t.open({ retention: { eventsMs } });
      const worker = await t.startWorker(conveyor, { tasks: [ok], maintenance: { intervalMs: 60_000, pruneIntervalMs: 10 } });
      const { job } = await conveyor.enqueue(ok, {});
      await conveyor.waitFor(job.id);
      const events = await conveyor.store.events.list({ afterSeq: null, limit: 100 });
      expect(events.map((event) => event.state)).toEqual(['queued', 'running', 'succeeded']);
      await new Promise((resolve) => setTimeout(resolve, 15)); // past pruneIntervalMs since the start-up run
      await worker.runMaintenance();
      expect(await conveyor.store.events.list({ afterSeq: null, limit: 100 })).toHaveLength(kept);
    });
  });
}
