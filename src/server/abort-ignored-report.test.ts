/**
 * A handler that ignores its abort, seen from another process: the worker (a child process) records
 * it at each heartbeat, and the server shows it in GET /workers, /metrics and the workers page.
 */
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { dashboardRoutes } from '../dashboard/dashboard-routes.js';
import { deafTask } from '../testing/fixtures/hostile-tasks.js';
import { logIn, sessionCookie } from '../testing/log-in.js';
import { killHard, spawnFixture, type TestProcess } from '../testing/processes.js';
import { createServerApp } from './app.js';
import { startServer } from './listen.js';
import { metricsRoutes } from './metrics.js';
import { describeEachStore, TOKEN, type TestStoreFactory } from './test-server.js';

describeEachStore('a handler ignoring its abort, reported by the server', (testStore: TestStoreFactory) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('is listed on its worker in GET /workers, counted in /metrics, and named on the workers page', async () => {
    const store = await testStore();
    cleanups.push(() => store.destroy());
    const conveyor = await Conveyor.open({ store: store.storeUrl, logger: pino({ level: 'silent' }) });
    cleanups.push(() => conveyor.close());
    const app = createServerApp({ deps: { conveyor, logger: conveyor.logger }, tokens: [TOKEN], extraRoutes: [metricsRoutes, dashboardRoutes] });
    const server = await startServer({ app, port: 0, host: '127.0.0.1' });
    cleanups.push(() => server.close());
    const worker: TestProcess = spawnFixture('hostile-worker.ts', { STORE_URL: store.storeUrl, CONVEYOR_LOG_LEVEL: 'info' });
    cleanups.push(() => killHard(worker));
    const workerId = (await worker.waitForLine((line) => line.startsWith('ready '))).slice('ready '.length);
    const get = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

    const { job } = await conveyor.enqueue(deafTask, {});
    // The timeout is recorded at once; the handler runs on.
    expect(await conveyor.waitFor(job.id)).toMatchObject({ state: 'dead', errors: [{ message: 'Timed out after 200 ms; the handler was aborted' }] });
    await expect
      .poll(async () => ((await (await get('/workers')).json()) as { workers: Array<{ id: string; handlersIgnoringAbort: unknown[] }> }).workers.find((w) => w.id === workerId)?.handlersIgnoringAbort, { timeout: 10_000 })
      .toEqual([{ jobId: job.id, attempt: 1, task: deafTask.name, reason: 'timeout', abortedAt: expect.any(String) }]);

    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(new RegExp(`conveyor_worker_handlers_ignoring_abort\\{worker="${workerId}",host="[^"]+"\\} 1`));
    const page = await (await fetch(`${server.url}/dashboard/workers`, { headers: sessionCookie(await logIn(server.url, TOKEN)) })).text();
    expect(page).toMatch(/data-ignoring-abort title="job \d+ \(attempt 1, timeout\)">1 handler ignoring its abort for \d+ s</);
    expect(worker.lines.some((line) => line.includes('a handler ignores its abort signal and is still running'))).toBe(true);
  });
});
