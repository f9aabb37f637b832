/**
 * F9, store connection faults, on a real SQLite file: another connection holding the write lock
 * (`BEGIN EXCLUSIVE`) makes every write of the worker's store fail at once with SQLITE_BUSY, as an
 * unreachable server would. The same behaviour over a cut network, on PostgreSQL, is in
 * `src/postgres/postgres-faults.test.ts`.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { Conveyor } from '../conveyor.js';
import { openSqliteStore } from '../sqlite/index.js';
import type { JobStateUpdate } from '../store/store.js';
import { defineTask } from '../task.js';
import { captureLogger, type CaptureLogger } from '../testing/capture-logger.js';
import { deferred, FAST_WORKER, whenStoreConnection } from '../testing/worker-conformance/helpers.js';
import { STORE_CONNECTION_LOG, type StoreConnectionState } from './store-connection.js';

const LOST = STORE_CONNECTION_LOG.lost;
const BACK = STORE_CONNECTION_LOG.restored;
const STILL_DOWN = STORE_CONNECTION_LOG.stillDown;


describe('store connection faults (sqlite, write lock held by another connection)', () => {
  let dir: string;
  let logger: CaptureLogger;
  let conveyor: Conveyor;
  let locker: Database.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conveyor-faults-'));
    const path = join(dir, 'conveyor.db');
    logger = captureLogger();
    // busyTimeoutMs 0: a locked write fails at once instead of blocking the event loop.
    conveyor = await Conveyor.open({ store: openSqliteStore({ path, busyTimeoutMs: 0 }), logger });
    locker = new Database(path);
  });

  afterEach(async () => {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
    await conveyor.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cutStore = () => locker.exec('BEGIN EXCLUSIVE');
  const restoreStore = () => locker.exec('COMMIT');

  it('reports the outage once and the recovery once; the running job is not aborted and its outcome is recorded after', async () => {
    const started = deferred();
    const release = deferred();
    const task = defineTask({
      name: 'outage.survivor',
      input: z.object({}),
      run: async (_input, ctx) => {
        started.resolve();
        await release.promise;
        return ctx.signal.aborted ? 'aborted' : 'finished';
      },
    });
    const worker = conveyor.createWorker({ ...FAST_WORKER, tasks: [task], concurrency: 2 });
    await worker.start();
    const changes: StoreConnectionState[] = [];
    worker.on('store-connection', (status) => changes.push(status.state));
    const { job } = await conveyor.enqueue(task, {});
    await started.promise;

    const lost = whenStoreConnection(worker, 'unreachable');
    cutStore();
    await lost;
    expect(worker.storeConnection).toMatchObject({ state: 'unreachable', lastError: 'database is locked' });
    release.resolve();
    // The outcome write fails too, and is retried.
    await vi.waitFor(() => expect(logger.find(STILL_DOWN).some((line) => line.fields.step === 'recording job outcomes')).toBe(true));
    expect(worker.runningJobIds).toEqual([]);

    const settled = once(worker, 'job-settled') as Promise<[unknown, JobStateUpdate, boolean]>;
    const back = whenStoreConnection(worker, 'connected');
    restoreStore();
    await back;
    const [, update, applied] = await settled;
    expect(update.kind).toBe('succeeded');
    expect(applied).toBe(true);
    expect(await conveyor.getJob(job.id)).toMatchObject({ state: 'succeeded', result: 'finished', attempt: 1 });
    expect(worker.storeConnection).toMatchObject({ state: 'connected', lastError: null });
    expect(changes).toEqual(['unreachable', 'connected']);

    // One line for the loss, one for the recovery: not one per failed call.
    expect(logger.lines.filter((line) => line.level === 'error' || line.level === 'warn').map((line) => line.message)).toEqual([LOST]);
    expect(logger.find(LOST)[0]?.fields).toMatchObject({ err: expect.objectContaining({ code: 'SQLITE_BUSY' }) });
    const recovery = logger.find(BACK, 'info');
    expect(recovery).toHaveLength(1);
    expect(recovery[0]?.fields).toMatchObject({ downMs: expect.any(Number), lastError: 'database is locked' });

    // Claims go on after the outage.
    const next = await conveyor.enqueue(task, {});
    expect(await conveyor.waitFor(next.job.id, { timeoutMs: 5_000 })).toMatchObject({ state: 'succeeded' });
  });

  it('an artifact write cut by a store outage fails the attempt with the store error; the job retries as usual and writes it whole', async () => {
    const firstChunkWritten = deferred();
    const cutDone = deferred();
    const task = defineTask({
      name: 'outage.export',
      input: z.object({}),
      retry: { maxAttempts: 3, backoff: { initialMs: 20, maxMs: 20 } },
      run: async (_input, ctx) => {
        const first = ctx.job.attempt === 1;
        async function* chunks(): AsyncGenerator<Buffer> {
          yield Buffer.alloc(1_048_576, 1);
          if (first) {
            firstChunkWritten.resolve();
            await cutDone.promise;
          }
          yield Buffer.alloc(1_048_576, 2);
        }
        return (await ctx.artifacts.put('export.bin', chunks())).size;
      },
    });
    const worker = conveyor.createWorker({ ...FAST_WORKER, tasks: [task] });
    await worker.start();
    const { job } = await conveyor.enqueue(task, {});
    await firstChunkWritten.promise;
    const lost = whenStoreConnection(worker, 'unreachable');
    cutStore();
    cutDone.resolve();
    await lost;
    const back = whenStoreConnection(worker, 'connected');
    setTimeout(restoreStore, 200);
    await back;
    const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: 2 * 1_048_576 });
    expect(done.errors.map((error) => error.message)).toEqual(['ctx.artifacts.put("export.bin"): storing its bytes in the store failed (2097152 bytes read from the source): database is locked']);
    expect((await conveyor.artifacts.list(job.id)).map((artifact) => [artifact.attempt, artifact.name, artifact.size])).toEqual([[2, 'export.bin', 2 * 1_048_576]]);
  });

  it('backs off between failed claims: the gaps grow while the store stays down', async () => {
    const task = defineTask({ name: 'never.claimed', input: z.object({}), run: () => null });
    const worker = conveyor.createWorker({ ...FAST_WORKER, tasks: [task], pollIntervalMs: 20 });
    await worker.start();
    cutStore();
    const claimFailures = () => logger.lines.filter((line) => line.fields.step === 'claiming jobs');
    await vi.waitFor(() => expect(claimFailures().length).toBeGreaterThanOrEqual(5), { timeout: 5_000 });
    const at = claimFailures().map((line) => line.at);
    // Retries after failures 1 and 4 wait 20–40 ms and 160–320 ms (pollIntervalMs · 2^failures, half of it random).
    expect((at[1] as number) - (at[0] as number)).toBeLessThan(150);
    expect((at[4] as number) - (at[3] as number)).toBeGreaterThanOrEqual(150);
    restoreStore();
  });

  it('stop() during an outage gives up on outcomes after its bound, names those jobs, and the jobs run again later', async () => {
    const started = deferred();
    const release = deferred();
    let runs = 0;
    const task = defineTask({
      name: 'outcome.unrecorded',
      input: z.object({}),
      run: async () => {
        runs += 1;
        if (runs === 1) {
          started.resolve();
          await release.promise;
        }
        return `run ${runs}`;
      },
    });
    const worker = conveyor.createWorker({ ...FAST_WORKER, tasks: [task], leaseMs: 400, drainMs: 100 });
    await worker.start();
    const settled: boolean[] = [];
    worker.on('job-settled', (_job, _update, applied) => settled.push(applied));
    const { job } = await conveyor.enqueue(task, {});
    await started.promise;
    const lost = whenStoreConnection(worker, 'unreachable');
    cutStore();
    await lost;
    release.resolve();

    const stopStartedAt = Date.now();
    await worker.stop();
    const stopMs = Date.now() - stopStartedAt;
    // drainMs is 100, so each step after the drain is bounded by the 1 s minimum.
    expect(stopMs).toBeGreaterThanOrEqual(900);
    expect(stopMs).toBeLessThan(4_000);
    expect(worker.mode).toBe('stopped');
    expect(settled).toEqual([false]);
    const warning = logger.lines.find((line) => line.level === 'warn' && line.message.startsWith('stopping without recording these outcomes'));
    expect(warning?.fields).toMatchObject({ jobIds: [job.id] });
    expect(logger.find('deregistering failed; the record stays until pruned', 'error')).toHaveLength(1);

    restoreStore();
    expect(await conveyor.getJob(job.id)).toMatchObject({ state: 'running', attempt: 1 });
    expect((await conveyor.listWorkers()).map((record) => record.id)).toContain(worker.id);
    // At least once: the lease expires, maintenance queues the job again, and another worker runs it.
    await conveyor.createWorker({ ...FAST_WORKER, tasks: [task] }).start();
    expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 'run 2', attempt: 2 });
  });

  it('stop() does not hang on a resource that never closes, and still closes the others', async () => {
    const closed: string[] = [];
    const task = defineTask({ name: 'noop', input: z.object({}), run: () => null });
    const worker = conveyor.createWorker({
      ...FAST_WORKER,
      tasks: [task],
      drainMs: 0,
      resources: {
        cache: { create: () => 'cache', close: () => void closed.push('cache') },
        pool: { create: () => 'pool', close: () => new Promise<void>(() => undefined) },
      },
    });
    await worker.start();
    const stopStartedAt = Date.now();
    await worker.stop();
    expect(Date.now() - stopStartedAt).toBeLessThan(3_000);
    expect(closed).toEqual(['cache']);
    expect(logger.find('resource did not close in time; moving on without it', 'error')[0]?.fields).toMatchObject({ resource: 'pool', timeoutMs: 1_000 });
    expect(await conveyor.listWorkers()).toEqual([]);
  });
});
