/**
 * Pausing a queue: workers stop claiming its jobs, jobs already running finish, and resuming lets
 * them run. Nothing here sleeps: a claim is one atomic statement over every queue a worker serves,
 * so a job of another queue starting proves that claim passed over the paused queue's jobs.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseStoreUrl } from '../../config.js';
import { Conveyor } from '../../conveyor.js';
import { ConveyorConfigError } from '../../errors.js';
import type { Job } from '../../job.js';
import { openStore } from '../../store/open-store.js';
import type { JobClaimParams, Store } from '../../store/store.js';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, replacing, silentLogger, useHarness } from './helpers.js';

export function queueTests(createHarness: WorkerHarnessFactory): void {
  describe('queue pause and resume', () => {
    const t = useHarness(createHarness);

    function tasks() {
      const ran: string[] = [];
      const send = defineTask({ name: 'mail.send', queue: 'mail', input: z.object({ to: z.string() }), run: ({ to }) => void ran.push(to) });
      const build = defineTask({ name: 'report.build', queue: 'reports', input: z.object({ n: z.number() }), run: ({ n }) => n });
      return { ran, send, build };
    }

    /** Enqueue a job on the running queue and wait for it: proof that a whole claim came and went. */
    async function claimCycle(conveyor: Conveyor, build: ReturnType<typeof tasks>['build'], n: number): Promise<void> {
      const { job } = await conveyor.enqueue(build, { n });
      expect(await conveyor.waitFor(job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded', result: n });
    }

    it('a paused queue runs nothing until resumed; other queues of the same worker go on', async () => {
      const { ran, send, build } = tasks();
      const conveyor = await t.open();
      expect(await conveyor.pauseQueue('mail')).toMatchObject({ name: 'mail', paused: true });
      await t.startWorker(conveyor, { tasks: [send, build], concurrency: 10 });
      const mail = await conveyor.enqueueMany(['a@x.io', 'b@x.io', 'c@x.io'].map((to) => ({ task: send, input: { to }, options: { priority: 10 } })));
      // Each of these claims came after the mail jobs were queued, had free slots for them, and ranks them first.
      for (const n of [1, 2, 3]) await claimCycle(conveyor, build, n);
      expect(ran).toEqual([]);
      for (const { job } of mail) expect(await conveyor.getJob(job.id)).toMatchObject({ state: 'queued', attempt: 0 });

      expect(await conveyor.resumeQueue('mail')).toMatchObject({ name: 'mail', paused: false, pausedAt: null });
      for (const { job } of mail) expect((await conveyor.waitFor(job.id, { timeoutMs: 5_000 })).state).toBe('succeeded');
      expect(ran.sort()).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
    });

    it('a job already running when its queue is paused finishes normally', async () => {
      const started = deferred();
      const release = deferred();
      const slow = defineTask({
        name: 'mail.slow',
        queue: 'mail',
        input: z.object({}),
        run: async () => {
          started.resolve();
          await release.promise;
          return 'sent';
        },
      });
      const { send, build } = tasks();
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [slow, send, build], concurrency: 5 });
      const { job: running } = await conveyor.enqueue(slow, {});
      await started.promise;
      await conveyor.pauseQueue('mail');
      const { job: waiting } = await conveyor.enqueue(send, { to: 'later@x.io' }, { priority: 10 });
      release.resolve();
      expect(await conveyor.waitFor(running.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded', result: 'sent', attempt: 1 });
      await claimCycle(conveyor, build, 1);
      expect(await conveyor.getJob(waiting.id)).toMatchObject({ state: 'queued', attempt: 0 });
      await conveyor.resumeQueue('mail');
      expect((await conveyor.waitFor(waiting.id, { timeoutMs: 5_000 })).state).toBe('succeeded');
    });

    it('a pause and a resume made through another Conveyor reach the worker', async () => {
      const { ran, send, build } = tasks();
      const workerSide = await t.open();
      await t.startWorker(workerSide, { tasks: [send, build], concurrency: 10 });
      const operator = await t.open();
      await operator.pauseQueue('mail');
      const { job } = await workerSide.enqueue(send, { to: 'a@x.io' }, { priority: 10 });
      await claimCycle(workerSide, build, 1);
      expect(ran).toEqual([]);
      expect(await operator.listQueues()).toEqual([expect.objectContaining({ name: 'mail', paused: true })]);
      await operator.resumeQueue('mail');
      expect((await operator.waitFor(job.id, { timeoutMs: 5_000 })).state).toBe('succeeded');
    });

    it('resuming wakes an idle worker of the same Conveyor at once, not at its next poll', async () => {
      const { send } = tasks();
      const claims = observeClaims(await openStore(parseStoreUrl(t.harness.storeUrl, 'test store'), silentLogger));
      const conveyor = await Conveyor.open({ store: claims.store, logger: silentLogger });
      try {
        await conveyor.pauseQueue('mail');
        const { job } = await conveyor.enqueue(send, { to: 'a@x.io' });
        const firstClaim = claims.nextCompleted();
        await t.startWorker(conveyor, { tasks: [send], pollIntervalMs: 60_000, maintenance: { intervalMs: 60_000 } });
        // The worker's first claim passed over the job, and nothing has woken it since: it sleeps for a minute.
        await firstClaim;
        expect(await conveyor.getJob(job.id)).toMatchObject({ state: 'queued' });
        await conveyor.resumeQueue('mail');
        expect((await conveyor.waitFor(job.id, { timeoutMs: 5_000 })).state).toBe('succeeded');
      } finally {
        await conveyor.close();
      }
    });

    it('refuses a queue name that no task could have, naming the call and a valid name', async () => {
      const conveyor = await t.open();
      for (const name of ['', ' mail', 'mail queue', 'x'.repeat(129), 42 as unknown as string]) {
        await expect(conveyor.pauseQueue(name)).rejects.toThrow(ConveyorConfigError);
      }
      await expect(conveyor.resumeQueue('-mail')).rejects.toThrow(/^resumeQueue\(name\): must be 1–128 letters, digits.*got "-mail"/);
      expect(await conveyor.listQueues()).toEqual([]);
    });
  });
}

/** The store with its `jobs.claim` observed: `nextCompleted` resolves once a claim that starts after the call has returned. */
function observeClaims(store: Store): { store: Store; nextCompleted(): Promise<void> } {
  const waiting: Array<() => void> = [];
  const claim = async (params: JobClaimParams): Promise<Job[]> => {
    const waiters = waiting.splice(0);
    try {
      return await store.jobs.claim(params);
    } finally {
      for (const resolve of waiters) resolve();
    }
  };
  const jobs = replacing(store.jobs, 'claim', claim);
  return { store: replacing(store, 'jobs', jobs), nextCompleted: () => new Promise((resolve) => waiting.push(resolve)) };
}
