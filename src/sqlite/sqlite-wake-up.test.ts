/**
 * A SQLite worker in another process starts a job as soon as it is committed, not at its next poll,
 * and aborts a job whose cancel is requested, not at its next heartbeat: the store hears the other
 * process's commit through the file's change notifications. The worker here polls every 60 s, so only
 * the wake-up can start the jobs within the bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { openSqliteStore } from './index.js';
import { effectTask } from '../testing/fixtures/tasks.js';
import { killHard, spawnFixture } from '../testing/processes.js';
import { silentLogger } from '../testing/worker-conformance/helpers.js';

/** Far below the 60 s poll; far above a wake-up (a few ms), so a busy CI machine does not fail it. */
const STARTED_WITHIN_MS = 2_000;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-wake-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite: a worker in another process wakes on a commit', () => {
  it('starts each job enqueued by this process well before its next poll', async () => {
    const storeUrl = `sqlite:${join(dir, 'conveyor.db')}`;
    const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
    const worker = spawnFixture('worker-process.ts', { STORE_URL: storeUrl, POLL_MS: '60000' });
    try {
      await worker.waitForLine((line) => line.startsWith('ready '));
      for (let n = 1; n <= 3; n++) {
        // The worker has claimed and found nothing, and sleeps until its next poll.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const enqueuedAt = Date.now();
        const { job } = await conveyor.enqueue(effectTask, { n });
        await worker.waitForLine((line) => line === `started ${job.id}`, STARTED_WITHIN_MS);
        expect(Date.now() - enqueuedAt).toBeLessThan(STARTED_WITHIN_MS);
        expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded' });
      }
    } finally {
      await killHard(worker);
      await conveyor.close();
    }
  });

  it('a cancel reaches a running job in the other process well before its next heartbeat', async () => {
    const storeUrl = `sqlite:${join(dir, 'conveyor.db')}`;
    const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
    // Heartbeats every 12 s (a fifth of the lease), polls every 60 s: only the file notice can tell it in time.
    const worker = spawnFixture('worker-process.ts', { STORE_URL: storeUrl, POLL_MS: '60000', LEASE_MS: '60000', HANG: '1' });
    try {
      await worker.waitForLine((line) => line.startsWith('ready '));
      const { job } = await conveyor.enqueue(effectTask, { n: 1 });
      await worker.waitForLine((line) => line === `started ${job.id}`, STARTED_WITHIN_MS);
      const cancelledAt = Date.now();
      await conveyor.cancel(job.id);
      expect(await conveyor.waitFor(job.id, { timeoutMs: STARTED_WITHIN_MS })).toMatchObject({ state: 'cancelled' });
      expect(Date.now() - cancelledAt).toBeLessThan(STARTED_WITHIN_MS);
    } finally {
      await killHard(worker);
      await conveyor.close();
    }
  });

  it('a folder that cannot be watched leaves the store to polling: listening neither throws nor hears', async () => {
    const path = join(dir, 'gone', 'conveyor.db');
    const store = openSqliteStore({ path });
    try {
      rmSync(join(dir, 'gone'), { recursive: true, force: true });
      const heard: unknown[] = [];
      const stop = store.noticeListen((notice) => heard.push(notice));
      stop();
      expect(heard).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
