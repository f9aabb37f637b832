/** Shared by the health and metrics tests: a real SQLite file, real workers, and a real HTTP server on loopback. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { z } from 'zod';
import { Conveyor } from '../conveyor.js';
import { defineTask, type Task } from '../task.js';
import { FAST_WORKER, silentLogger } from '../testing/worker-conformance/helpers.js';
import type { Worker } from '../worker/worker.js';
import type { ServerDeps } from './deps.js';

export const emailTask = defineTask({ name: 'obs.email', queue: 'emails', input: z.object({ n: z.number() }), run: () => ({ sent: true }) });

/** Fails when asked to; a failed attempt waits a minute before its retry, so it stays `failed` during a test. */
export const reportTask = defineTask({
  name: 'obs.report',
  queue: 'reports',
  input: z.object({ n: z.number(), fail: z.boolean().optional() }),
  retry: { backoff: { initialMs: 60_000, jitter: 0 } },
  run: (input) => {
    if (input.fail === true) throw new Error('report failed on purpose');
    return { url: 'https://example.com/report.csv' };
  },
});

export interface Fixture {
  conveyor: Conveyor;
  deps: ServerDeps;
  databasePath: string;
  /** Create and start a worker of these tasks (and their queues) with fast rhythms; `beforeStart` runs first, to subscribe to its events. */
  startWorker(tasks: Task[], beforeStart?: (worker: Worker) => void): Promise<Worker>;
  /** Serve `app` on 127.0.0.1, port 0; closed by `close()`. Returns the base URL. */
  listen(app: Hono): Promise<string>;
  close(): Promise<void>;
}

export async function openFixture(): Promise<Fixture> {
  const directory = mkdtempSync(join(tmpdir(), 'conveyor-observability-'));
  const databasePath = join(directory, 'conveyor.db');
  const conveyor = await Conveyor.open({ store: `sqlite:${databasePath}`, tasks: [emailTask, reportTask], logger: silentLogger });
  const servers: Array<ReturnType<typeof serve>> = [];
  return {
    conveyor,
    deps: { conveyor, logger: silentLogger },
    databasePath,
    startWorker: async (tasks, beforeStart) => {
      const worker = conveyor.createWorker({ ...FAST_WORKER, tasks });
      beforeStart?.(worker);
      await worker.start();
      return worker;
    },
    listen: (app) =>
      new Promise((resolve) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', overrideGlobalObjects: false }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
        servers.push(server);
      }),
    close: async () => {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await conveyor.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Resolves once the worker has settled `count` more attempts. */
export function attemptsSettled(worker: Worker, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = () => {
      seen += 1;
      if (seen < count) return;
      worker.off('job-settled', listener);
      resolve();
    };
    worker.on('job-settled', listener);
  });
}
