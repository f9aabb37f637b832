/** Running jobs end to end: results, progress, resources, graceful stop. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../task.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { deferred, useHarness, whenAborted } from './helpers.js';

export function lifecycleTests(createHarness: WorkerHarnessFactory): void {
  describe('running jobs', () => {
    const t = useHarness(createHarness);

    it('runs a job with its parsed input and stores the result and the last progress', async () => {
      const resize = defineTask({
        name: 'image.resize',
        input: z.object({ width: z.number().int().positive(), at: z.coerce.date() }),
        run: async ({ width, at }, ctx) => {
          await ctx.progress(0.5, 'half way');
          await ctx.progress(1, 'done');
          return { width, year: at.getUTCFullYear(), attempt: ctx.job.attempt };
        },
      });
      const conveyor = await t.open();
      await t.startWorker(conveyor, { tasks: [resize] });
      const { job } = await conveyor.enqueue(resize, { width: 64, at: '2024-03-01T00:00:00Z' });
      const done = await conveyor.waitFor(job.id);
      expect(done.state).toBe('succeeded');
      expect(done.result).toEqual({ width: 64, year: 2024, attempt: 1 });
      expect(done.progress).toEqual({ fraction: 1, message: 'done' });
      expect(done.input).toEqual({ width: 64, at: '2024-03-01T00:00:00Z' });
      expect(done.finishedAt).toBeInstanceOf(Date);
    });

    it('creates resources on start, hands them to handlers and closes them on stop, newest first', async () => {
      const log: string[] = [];
      const useDb = defineTask({
        name: 'uses.db',
        input: z.object({}),
        run: (_input, ctx) => (ctx.resources as unknown as { db: { query(): string } }).db.query(),
      });
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, {
        tasks: [useDb],
        resources: {
          db: { create: () => (log.push('db open'), { query: () => 'rows' }), close: () => void log.push('db closed') },
          http: { create: async () => (log.push('http open'), {}), close: async () => void log.push('http closed') },
        },
      });
      expect(log).toEqual(['db open', 'http open']);
      const { job } = await conveyor.enqueue(useDb, {});
      expect((await conveyor.waitFor(job.id)).result).toBe('rows');
      await worker.stop();
      expect(log).toEqual(['db open', 'http open', 'http closed', 'db closed']);
    });

    it('refuses to start when a resource fails to start, closing the ones already made', async () => {
      const log: string[] = [];
      const noop = defineTask({ name: 'noop', input: z.object({}), run: () => null });
      const conveyor = await t.open();
      const worker = conveyor.createWorker({
        tasks: [noop],
        resources: {
          cache: { create: () => 'cache', close: () => void log.push('cache closed') },
          scanner: { create: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:3310')) },
        },
      });
      await expect(worker.start()).rejects.toThrow(/resource "scanner" failed to start: connect ECONNREFUSED/);
      expect(log).toEqual(['cache closed']);
      expect(await conveyor.listWorkers()).toEqual([]);
    });

    it('stop() during start-up waits for it, then closes what it opened', async () => {
      const log: string[] = [];
      const noop = defineTask({ name: 'noop', input: z.object({}), run: () => null });
      const conveyor = await t.open();
      const worker = conveyor.createWorker({
        tasks: [noop],
        resources: { slow: { create: async () => (await new Promise((r) => setTimeout(r, 20)), log.push('open')), close: () => void log.push('closed') } },
      });
      const starting = worker.start();
      await worker.stop();
      await starting;
      expect(log).toEqual(['open', 'closed']);
      expect(worker.mode).toBe('stopped');
      expect(await conveyor.listWorkers()).toEqual([]);
    });

    it('stop() lets in-flight jobs finish within the drain time', async () => {
      const release = deferred();
      const started = deferred();
      const slow = defineTask({ name: 'slow', input: z.object({}), run: async () => (started.resolve(), await release.promise, 'finished') });
      const conveyor = await t.open();
      const worker = await t.startWorker(conveyor, { tasks: [slow], drainMs: 10_000 });
      const { job } = await conveyor.enqueue(slow, {});
      await started.promise;
      const stopping = worker.stop();
      expect(worker.mode).toBe('stopping');
      release.resolve();
      await stopping;
      const done = await conveyor.getJob(job.id);
      expect(done?.state).toBe('succeeded');
      expect(done?.result).toBe('finished');
      expect(await conveyor.listWorkers()).toEqual([]);
    });

    it('stop() past the drain time aborts in-flight jobs and hands them back for another worker at once', async () => {
      const firstRun = deferred<unknown>();
      const stubborn = defineTask({
        name: 'stubborn',
        input: z.object({}),
        run: async (_input, ctx) => {
          firstRun.resolve(await whenAborted(ctx.signal));
          return 'aborted run';
        },
      });
      const conveyor = await t.open();
      const first = await t.startWorker(conveyor, { tasks: [stubborn], drainMs: 50 });
      const started = new Promise<void>((resolve) => first.once('job-started', () => resolve()));
      const { job } = await conveyor.enqueue(stubborn, {});
      await started;
      await first.stop();
      expect(await firstRun.promise).toMatchObject({ name: 'JobAbortedError', reason: 'shutdown' });
      const released = await conveyor.getJob(job.id);
      expect(released).toMatchObject({ state: 'queued', attempt: 0, workerId: null });

      const finisher = defineTask({ name: 'stubborn', input: z.object({}), run: () => 'second worker' });
      await t.startWorker(conveyor, { tasks: [finisher] });
      const done = await conveyor.waitFor(job.id, { timeoutMs: 5_000 });
      expect(done).toMatchObject({ state: 'succeeded', result: 'second worker', attempt: 1 });
    });
  });
}
