/**
 * Orphans and readiness with durable steps, on both stores through real workers: a job that sleeps
 * or waits is `scheduled`, and `findOrphans` counts only queued jobs, so it is no orphan while it
 * sleeps even when no live worker serves its task; once its sleep is over it is queued, and the
 * usual rule reports it. A job waiting for an event stays out of the report meanwhile.
 */
import { expect, it, vi } from 'vitest';
import { z } from 'zod';
import { describeEachStore } from '../server/test-server.js';
import { defineTask } from '../task.js';
import { useHarness } from '../testing/worker-conformance/helpers.js';

/** Long enough for one worker to stop and another to start while the job sleeps. */
const NAP_MS = 1500;

const nap = defineTask({
  name: 'orphans.nap',
  input: z.object({}),
  run: async (_input, ctx) => {
    await ctx.sleep('nap', NAP_MS);
    return 'rested';
  },
});

const approval = defineTask({
  name: 'orphans.approval',
  input: z.object({}),
  run: async (_input, ctx) => (await ctx.waitForEvent('approval', { event: 'orphans.approved', timeoutMs: 3_600_000 })).timedOut,
});

const other = defineTask({ name: 'orphans.other', input: z.object({}), run: () => 'other' });

describeEachStore('orphans of sleeping and waiting jobs', (store) => {
  const t = useHarness(store);

  it('a sleeping or waiting job is no orphan; once the sleep is over the job is queued, and reported when no live worker serves its task', async () => {
    const conveyor = await t.open();
    const first = await t.startWorker(conveyor, { tasks: [nap, approval, other] });
    const napping = (await conveyor.enqueue(nap, {})).job.id;
    const waiting = (await conveyor.enqueue(approval, {})).job.id;
    await vi.waitFor(async () => {
      const steps = [...(await conveyor.listSteps(napping)), ...(await conveyor.listSteps(waiting))];
      expect(steps.map((step) => step.status).sort()).toEqual(['sleeping', 'waiting']);
      expect((await conveyor.getJob(napping))?.state).toBe('scheduled');
      expect((await conveyor.getJob(waiting))?.state).toBe('scheduled');
    }, { timeout: 10_000, interval: 20 });
    // The worker that ran them goes; the one left serves their queue but neither task.
    await first.stop();
    await t.startWorker(conveyor, { tasks: [other] });

    const whileSleeping = await conveyor.orphans();
    expect(whileSleeping.jobs).toEqual([]);
    expect((await conveyor.getJob(napping))?.state).toBe('scheduled');
    const readyWhileSleeping = await conveyor.insights.readiness();
    expect(readyWhileSleeping.checks.find((check) => check.name === 'orphaned-jobs')?.ok).toBe(true);

    await vi.waitFor(async () => expect((await conveyor.getJob(napping))?.state).toBe('queued'), { timeout: 10_000, interval: 20 });
    const due = await conveyor.orphans();
    expect(due.jobs.map(({ task, queue, count, reason }) => ({ task, queue, count, reason }))).toEqual([{ task: 'orphans.nap', queue: 'default', count: 1, reason: 'task-not-served' }]);
    const readyWhenDue = await conveyor.insights.readiness();
    expect(readyWhenDue.checks.find((check) => check.name === 'orphaned-jobs')).toMatchObject({ ok: false, detail: expect.stringContaining('orphans.nap') });
    expect((await conveyor.getJob(waiting))?.state).toBe('scheduled');
  });
});
