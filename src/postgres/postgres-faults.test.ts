/**
 * F9 on PostgreSQL: a worker whose store URL goes through a TCP proxy loses the network (`proxy.cut()`)
 * while jobs keep arriving through a direct connection, and gets it back. Also the worker's use of
 * store notices, and enqueuing inside a caller's transaction. Each test has a schema of its own.
 */
import pg from 'pg';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { Conveyor } from '../conveyor.js';
import { ConveyorConfigError, ConveyorStoreUnavailableError } from '../errors.js';
import type { Job } from '../job.js';
import type { JobStateUpdate } from '../store/store.js';
import { defineTask } from '../task.js';
import { captureLogger, type CaptureLogger } from '../testing/capture-logger.js';
import { describePostgres, freshTestSchema, TEST_POSTGRES_URL, type TestSchema } from '../testing/postgres-env.js';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.js';
import { deferred, FAST_WORKER, silentLogger, whenAborted, whenStoreConnection } from '../testing/worker-conformance/helpers.js';
import { STORE_CONNECTION_LOG, type StoreConnectionState } from '../worker/store-connection.js';
import type { PostgresStore } from './index.js';

const LOST = STORE_CONNECTION_LOG.lost;
const BACK = STORE_CONNECTION_LOG.restored;


/** The test server's URL with its host and port replaced by the proxy's. */
function throughProxy(storeUrl: string, proxy: TcpProxy): string {
  const url = new URL(storeUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

describePostgres('store faults and notices: postgres', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let logger: CaptureLogger;
  const opened: Conveyor[] = [];

  beforeEach(async () => {
    schema = freshTestSchema();
    const server = new URL(TEST_POSTGRES_URL);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    logger = captureLogger();
  });

  afterEach(async () => {
    proxy.restore();
    await Promise.all(opened.splice(0).map((conveyor) => conveyor.close()));
    await proxy.close();
    await schema.drop();
  });

  /** A Conveyor straight on the server: migrates the schema, enqueues and inspects while the proxy is cut. */
  async function openDirect(): Promise<Conveyor> {
    const conveyor = await Conveyor.open({ store: schema.storeUrl, logger: silentLogger });
    opened.push(conveyor);
    return conveyor;
  }

  async function openThroughProxy(): Promise<Conveyor> {
    const conveyor = await Conveyor.open({ store: throughProxy(schema.storeUrl, proxy), logger });
    opened.push(conveyor);
    return conveyor;
  }

  it('a client call while the store is out of reach fails at once, naming the server; it works again after', async () => {
    const task = defineTask({ name: 'faults.client', input: z.object({}), run: () => null });
    const proxied = await openThroughProxy();
    proxy.cut();
    const error = await proxied.enqueue(task, {}).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConveyorStoreUnavailableError);
    expect((error as Error).message).toMatch(/^Cannot reach the PostgreSQL store at postgres:\/\/\S+@/);
    expect((error as Error).message).toContain(new URL(throughProxy(schema.storeUrl, proxy)).host);
    proxy.restore();
    expect((await proxied.enqueue(task, {})).job.state).toBe('queued');
  });

  it('a cut network: the worker reports unreachable, then connected, and runs every job exactly once', async () => {
    const runs = new Map<string, number>();
    const longStarted = deferred();
    const longRelease = deferred();
    const task = defineTask({
      name: 'faults.count',
      input: z.object({ long: z.boolean() }),
      run: async ({ long }, ctx) => {
        runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1);
        if (long) {
          longStarted.resolve();
          await longRelease.promise;
        }
        return ctx.signal.aborted ? 'aborted' : 'done';
      },
    });
    const direct = await openDirect();
    const proxied = await openThroughProxy();
    const worker = proxied.createWorker({ ...FAST_WORKER, tasks: [task], concurrency: 4 });
    await worker.start();
    const changes: StoreConnectionState[] = [];
    worker.on('store-connection', (status) => changes.push(status.state));
    const settled: Array<{ update: JobStateUpdate | null; applied: boolean }> = [];
    worker.on('job-settled', (_job, update, applied) => settled.push({ update, applied }));
    const long = await direct.enqueue(task, { long: true });
    await longStarted.promise;

    const lost = whenStoreConnection(worker, 'unreachable');
    proxy.cut();
    await lost;
    expect(worker.storeConnection).toMatchObject({ state: 'unreachable', lastError: expect.any(String) });
    const queued = await direct.enqueueMany(Array.from({ length: 20 }, () => ({ task, input: { long: false } })));
    // The job running across the cut finishes during it; its outcome waits for the store.
    longRelease.resolve();

    const back = whenStoreConnection(worker, 'connected');
    proxy.restore();
    await back;
    expect(worker.storeConnection).toMatchObject({ state: 'connected', lastError: null });
    const ids = [long.job.id, ...queued.map((result) => result.job.id)];
    const done = await Promise.all(ids.map((id) => direct.waitFor(id, { timeoutMs: 20_000 })));

    expect(done.map((job) => [job.state, job.attempt])).toEqual(ids.map(() => ['succeeded', 1]));
    expect(done[0]?.result).toBe('done');
    expect(ids.map((id) => runs.get(id))).toEqual(ids.map(() => 1));
    expect(settled.filter((s) => s.applied)).toHaveLength(ids.length);
    expect(changes[0]).toBe('unreachable');
    expect(changes.at(-1)).toBe('connected');
    // The engine logs the loss and the recovery, each once per change, not once per failed call.
    expect(logger.find(LOST, 'error').length).toBe(changes.filter((state) => state === 'unreachable').length);
    expect(logger.find(BACK, 'info').length).toBe(changes.filter((state) => state === 'connected').length);
  });

  it('a lease that expired during the cut and was recovered elsewhere aborts its attempt as lost once the network is back', async () => {
    const firstAttempt = deferred<unknown>();
    const task = defineTask({
      name: 'faults.lease',
      input: z.object({}),
      run: async (_input, ctx) => {
        if (ctx.job.attempt === 1) return firstAttempt.resolve(await whenAborted(ctx.signal)), 'first';
        return 'second';
      },
    });
    const direct = await openDirect();
    const proxied = await openThroughProxy();
    const worker = proxied.createWorker({ ...FAST_WORKER, tasks: [task], leaseMs: 500, maintenance: false });
    await worker.start();
    const started = new Promise<Job>((resolve) => worker.once('job-started', resolve));
    const { job } = await direct.enqueue(task, {});
    await started;

    const lost = whenStoreConnection(worker, 'unreachable');
    proxy.cut();
    await lost;
    // Another process's maintenance takes the job back once the lease is past (the cut worker cannot renew it).
    await vi.waitFor(async () => expect(await direct.store.jobs.recoverExpiredLeases({ now: new Date(), limit: 10 })).toBe(1), { timeout: 5_000, interval: 50 });
    proxy.restore();

    expect(await firstAttempt.promise).toMatchObject({ name: 'JobAbortedError', reason: 'lease-lost' });
    expect(await direct.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 'second', attempt: 2 });
  });

  it('stop() during a cut is bounded and names the jobs whose outcomes it could not record', async () => {
    const started = deferred();
    const release = deferred();
    const task = defineTask({ name: 'faults.stop', input: z.object({}), run: async () => (started.resolve(), await release.promise, 'late') });
    const direct = await openDirect();
    const proxied = await openThroughProxy();
    const worker = proxied.createWorker({ ...FAST_WORKER, tasks: [task], drainMs: 200 });
    await worker.start();
    const { job } = await direct.enqueue(task, {});
    await started.promise;
    const lost = whenStoreConnection(worker, 'unreachable');
    proxy.cut();
    await lost;
    release.resolve();

    const stopStartedAt = Date.now();
    await worker.stop();
    expect(Date.now() - stopStartedAt).toBeLessThan(5_000);
    const warning = logger.lines.find((line) => line.level === 'warn' && line.message.startsWith('stopping without recording these outcomes'));
    expect(warning?.fields).toMatchObject({ jobIds: [job.id] });
    expect(await direct.getJob(job.id)).toMatchObject({ state: 'running', attempt: 1 });
    const closeStartedAt = Date.now();
    await proxied.close();
    expect(Date.now() - closeStartedAt).toBeLessThan(5_000);
  });

  it('wakes on notices from another process: a job enqueued elsewhere runs without waiting for the poll, a cancel aborts at once', async () => {
    const aborted = deferred<unknown>();
    const started = deferred();
    const quick = defineTask({ name: 'notices.quick', input: z.object({}), run: () => 'ran' });
    const held = defineTask({
      name: 'notices.held',
      input: z.object({}),
      run: async (_input, ctx) => (started.resolve(), aborted.resolve(await whenAborted(ctx.signal)), 'aborted'),
    });
    const workerSide = await openDirect();
    const otherProcess = await openDirect();
    // Polling and heartbeats so slow that only a notice can explain a prompt reaction.
    await workerSide.createWorker({ tasks: [quick, held], pollIntervalMs: 60_000, leaseMs: 120_000, heartbeatIntervalMs: 60_000, maintenance: false }).start();
    await (workerSide.store as PostgresStore).noticesReady();

    const { job } = await otherProcess.enqueue(quick, {});
    expect(await otherProcess.waitFor(job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded', result: 'ran' });

    const running = await otherProcess.enqueue(held, {});
    await started.promise;
    await otherProcess.cancel(running.job.id);
    expect(await aborted.promise).toMatchObject({ name: 'JobAbortedError', reason: 'cancel' });
    expect(await otherProcess.waitFor(running.job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'cancelled' });
  });

  it("enqueue({ tx }) joins the caller's transaction: a commit keeps the job and it runs, a rollback leaves none", async () => {
    const task = defineTask({ name: 'tx.email', input: z.object({ to: z.string() }), run: ({ to }) => `sent to ${to}` });
    const conveyor = await openDirect();
    await conveyor.createWorker({ ...FAST_WORKER, tasks: [task] }).start();
    const pool = new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 2 });
    try {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const rolledBack = await conveyor.enqueue(task, { to: 'nobody@example.com' }, { tx: client });
        await client.query('ROLLBACK');
        expect(await conveyor.getJob(rolledBack.job.id)).toBeNull();

        await client.query('BEGIN');
        const committed = await conveyor.enqueue(task, { to: 'a@example.com' }, { tx: client });
        const [second] = await conveyor.enqueueMany([{ task, input: { to: 'b@example.com' } }], { tx: client });
        // Not visible outside the transaction before it commits.
        expect(await conveyor.getJob(committed.job.id)).toBeNull();
        await client.query('COMMIT');

        expect(await conveyor.waitFor(committed.job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 'sent to a@example.com' });
        expect(await conveyor.waitFor(second!.job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 'sent to b@example.com' });
        expect((await conveyor.listJobs()).jobs.map((job) => job.input)).toEqual([{ to: 'b@example.com' }, { to: 'a@example.com' }]);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('enqueue({ tx }) with something that is not a client fails before writing, naming the option', async () => {
    const task = defineTask({ name: 'tx.bad', input: z.object({}), run: () => null });
    const conveyor = await openDirect();
    const enqueuing = conveyor.enqueue(task, {}, { tx: { begin: true } as never });
    await expect(enqueuing).rejects.toBeInstanceOf(ConveyorConfigError);
    await expect(enqueuing).rejects.toThrow(/^enqueue\(task, input, \{ tx \}\): must be a database client inside a transaction you opened \(an object with a query\(\) function/);
    expect((await conveyor.listJobs()).jobs).toEqual([]);
  });
});
