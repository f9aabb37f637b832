/** Cron schedules end to end: every worker fires them, the store makes sure each tick is enqueued once. */
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineSchedule } from '../../schedule/define-schedule.js';
import { defineTask } from '../../task.js';
import { effectTask } from '../fixtures/tasks.js';
import { captureLogger } from '../capture-logger.js';
import { killHard, spawnFixture, type TestProcess } from '../processes.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, FAST_WORKER, useHarness } from './helpers.js';

const SCHEDULE_PREFIX = 'schedule:test.schedule:';

export function scheduleTests(createHarness: WorkerHarnessFactory): void {
  describe('schedules', () => {
    const t = useHarness(createHarness);

    it('an every-second schedule run by 3 worker processes for 10 s enqueues about 10 jobs, never two for one tick', async () => {
      const workers: TestProcess[] = Array.from({ length: 3 }, () =>
        spawnFixture('worker-process.ts', { STORE_URL: t.harness.storeUrl, SCHEDULE_CRON: '* * * * * *' }),
      );
      const conveyor = await t.open();
      try {
        await Promise.all(workers.map((w) => w.waitForLine((line) => line.startsWith('ready '), 30_000)));
        const windowStart = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        // Pausing stops every process at once, so the window ends here whatever the processes' shutdown takes.
        await conveyor.schedules.pause('test.schedule');
        const windowEnd = Date.now();

        const jobs = (await conveyor.listJobs({ task: effectTask.name }, { limit: 1000 })).jobs;
        const ticks = jobs.map((job) => {
          expect(job.dedupKey?.startsWith(SCHEDULE_PREFIX)).toBe(true);
          return new Date(job.dedupKey!.slice(SCHEDULE_PREFIX.length)).getTime();
        });
        expect(new Set(ticks).size, 'one job per tick').toBe(ticks.length);
        const inWindow = ticks.filter((tick) => tick > windowStart && tick <= windowEnd);
        expect(inWindow.length).toBeGreaterThanOrEqual(8);
        expect(inWindow.length).toBeLessThanOrEqual(12);
        const [schedule] = await conveyor.schedules.list();
        expect(schedule).toMatchObject({ name: 'test.schedule', cron: '* * * * * *' });
        expect(schedule?.pausedAt).not.toBeNull();
      } finally {
        await Promise.all(workers.map((w) => killHard(w)));
      }
    }, 60_000);

    it('a schedule defined on open fires in a worker; paused it fires no more; a restart keeps its next tick', async () => {
      const ran: string[] = [];
      const fired = deferred();
      const beat = defineTask({ name: 'test.beat', input: z.object({ tag: z.string() }), run: async ({ tag }) => void (ran.push(tag), fired.resolve()) });
      const schedule = defineSchedule({ name: 'beat', task: beat, cron: '* * * * * *', input: { tag: 'a' } });
      const conveyor = await t.open({ tasks: [beat], schedules: [schedule] });
      const worker = await t.startWorker(conveyor, { ...FAST_WORKER, tasks: [beat] });
      await fired.promise;
      expect(ran[0]).toBe('a');

      const paused = await conveyor.schedules.pause('beat');
      const reopened = await t.open({ tasks: [beat], schedules: [schedule] });
      const afterRestart = (await reopened.schedules.list())[0]!;
      expect(afterRestart.pausedAt, 'an upsert keeps the pause').toEqual(paused.pausedAt);
      expect(afterRestart.nextRunAt, 'an upsert with the same cron keeps the next tick').toEqual(paused.nextRunAt);
      const count = (await conveyor.listJobs({ task: beat.name })).jobs.length;
      // Let the next tick pass, then fire explicitly: a paused schedule enqueues nothing.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, paused.nextRunAt.getTime() - Date.now()) + 100));
      await worker.runSchedules();
      expect((await conveyor.listJobs({ task: beat.name })).jobs.length).toBe(count);

      const changed = await conveyor.schedules.upsert(defineSchedule({ name: 'beat', task: beat, cron: '0 0 1 1 *', input: { tag: 'b' } }));
      expect(changed.nextRunAt.getUTCMonth(), 'a changed cron recomputes the next tick').toBe(0);
      expect(changed.nextRunAt.getUTCDate()).toBe(1);

      const resumed = await conveyor.schedules.resume('beat');
      expect(resumed.pausedAt).toBeNull();
      expect(resumed.nextRunAt.getTime()).toBeGreaterThan(Date.now() - 1_000);
      expect(await conveyor.schedules.remove('beat')).toBe(true);
      expect(await conveyor.schedules.list()).toEqual([]);
      await expect(conveyor.schedules.pause('beat')).rejects.toThrow(/No schedule named "beat"/);
    }, 30_000);

    it('a schedule whose job cannot be built is logged once, recorded as its lastError, stays due, and neither stops another due schedule nor marks the store unreachable; fixed, it fires and its lastError clears', async () => {
      // The key function works when the schedule is stored (open checks it), and throws once the
      // worker runs: as when the worker was deployed with task code the producer did not have.
      let keyThrows = false;
      const broken = defineTask({
        name: 'test.broken-key',
        input: z.object({}),
        concurrencyKey: () => {
          if (keyThrows) throw new Error('no tenant in this input');
          return 'tenant';
        },
        run: () => 'never',
      });
      const fine = defineTask({ name: 'test.fine', input: z.object({}), run: () => 'ran' });
      const schedules = [
        defineSchedule({ name: 'a-broken', task: broken, cron: '* * * * * *', input: {} }),
        defineSchedule({ name: 'b-fine', task: fine, cron: '* * * * * *', input: {} }),
      ];
      const logger = captureLogger();
      const conveyor = await t.open({ logger, tasks: [broken, fine], schedules });
      keyThrows = true;
      const worker = await t.startWorker(conveyor, { tasks: [broken, fine] });
      const changes: string[] = [];
      worker.on('store-connection', (status) => changes.push(status.state));
      // Two ticks of the fine schedule: each run met the broken one too (250 ms apart, many times).
      await vi.waitFor(async () => expect((await conveyor.listJobs({ task: fine.name, states: ['succeeded'] })).jobs.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
      expect(changes).toEqual([]);
      expect(worker.storeConnection.state).toBe('connected');
      const reports = logger.find("could not build this schedule's job (the task's code threw); the schedule stays due and fires once fixed", 'error');
      expect(reports).toHaveLength(1);
      expect(reports[0]?.fields).toMatchObject({ schedule: 'a-broken', task: broken.name });
      expect((await conveyor.listJobs({ task: broken.name })).jobs).toEqual([]);
      const brokenSchedule = (await conveyor.schedules.list()).find((schedule) => schedule.name === 'a-broken');
      expect(brokenSchedule!.nextRunAt.getTime(), 'still due').toBeLessThanOrEqual(Date.now());
      expect(brokenSchedule!.lastError, 'recorded where a user sees it').toEqual({ message: "the task's code threw building the job: no tenant in this input", at: expect.any(Date) });
      const fineSchedule = (await conveyor.schedules.list()).find((schedule) => schedule.name === 'b-fine');
      expect(fineSchedule!.lastError).toBeNull();
      // Fixed: the schedule fires again, and its last error is cleared.
      keyThrows = false;
      await vi.waitFor(async () => expect((await conveyor.listJobs({ task: broken.name })).jobs.length).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
      await vi.waitFor(async () => expect((await conveyor.schedules.list()).find((schedule) => schedule.name === 'a-broken')?.lastError).toBeNull(), { timeout: 5_000 });
    }, 30_000);
  });
}
