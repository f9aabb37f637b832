/**
 * Task dependencies end to end, against a real TCP listener on loopback that the test stops and
 * starts: while the service is down the worker claims none of the task's jobs (no attempt burned),
 * records why in the registry and logs it once; once it is back the jobs run.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { tcpDependency } from '../../dependency.js';
import { defineTask } from '../../task.js';
import { captureLogger } from '../capture-logger.js';
import type { WorkerHarnessFactory } from '../worker-harness.js';
import { FAST_WORKER, useHarness } from './helpers.js';

/** A free loopback port with nothing listening on it. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export function dependencyTests(createHarness: WorkerHarnessFactory): void {
  describe('task dependencies', () => {
    const t = useHarness(createHarness);

    it('claims no job of a task while its dependency is down, records and logs why once, and runs the jobs once it is back', async () => {
      const port = await freePort();
      const scanner = tcpDependency('virus-scanner', `tcp://127.0.0.1:${port}`, { timeoutMs: 500, intervalMs: 50 });
      const scan = defineTask({ name: 'test.scan', input: z.object({ file: z.string() }), dependencies: [scanner], run: ({ file }) => `clean: ${file}` });
      const anyway = defineTask({ name: 'test.anyway', input: z.object({}), dependencies: [scanner], whileDependencyDown: 'claim', run: () => 'ran' });
      const plain = defineTask({ name: 'test.plain', input: z.object({}), run: () => 'ran' });
      const logger = captureLogger();
      const conveyor = await t.open({ logger, tasks: [scan, anyway, plain] });
      const worker = await t.startWorker(conveyor, { ...FAST_WORKER, tasks: [scan, anyway, plain] });
      const { job: waiting } = await conveyor.enqueue(scan, { file: 'avatar.png' });
      const others = [(await conveyor.enqueue(anyway, {})).job, (await conveyor.enqueue(plain, {})).job];

      for (const job of others) expect((await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).state).toBe('succeeded');
      await new Promise((resolve) => setTimeout(resolve, 300)); // many claim rounds
      expect(await conveyor.getJob(waiting.id)).toMatchObject({ state: 'queued', attempt: 0, errors: [] });
      await vi.waitFor(async () => {
        const [status] = (await conveyor.listWorkers())[0]?.dependencies ?? [];
        expect(status).toMatchObject({ name: 'virus-scanner', target: `tcp://127.0.0.1:${port}`, up: false, lastError: expect.stringMatching(/ECONNREFUSED/), tasks: ['test.scan', 'test.anyway'] });
      });
      expect(worker.dependencies[0]?.up).toBe(false);
      const readiness = await conveyor.insights.readiness();
      expect(readiness.checks.find((check) => check.name === 'dependencies')).toMatchObject({
        ok: false,
        detail: expect.stringContaining(`"virus-scanner" at tcp://127.0.0.1:${port} down for`),
      });
      expect(readiness.ready).toBe(false);
      expect(logger.find('dependency down: not claiming jobs of test.scan until it is back', 'error')).toHaveLength(1);

      const service: Server = createServer((socket) => socket.end());
      await new Promise<void>((resolve) => service.listen(port, '127.0.0.1', resolve));
      try {
        expect(await conveyor.waitFor(waiting.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', attempt: 1, result: 'clean: avatar.png' });
        await vi.waitFor(async () => expect((await conveyor.listWorkers())[0]?.dependencies[0]).toMatchObject({ up: true, lastError: null }));
        expect(logger.find('dependency back up', 'info')).toHaveLength(1);
        expect((await conveyor.insights.readiness()).checks.find((check) => check.name === 'dependencies')).toMatchObject({ ok: true, detail: 'every dependency is up: "virus-scanner"' });
        expect(logger.find('dependency down: not claiming jobs of test.scan until it is back', 'error')).toHaveLength(1);
      } finally {
        await new Promise((resolve) => service.close(resolve));
      }
    }, 30_000);
  });
}
