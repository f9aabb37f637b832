/** The queue pages' chart slices, counted from a real SQLite store, and the closed slices kept between loads. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../sqlite/index.js';
import { jobDead, jobSucceeded } from '../store/state-updates.js';
import type { Store } from '../store/store.js';
import { FinishedSliceCounter } from './finished-slices.js';

/** 12:30:30: the open one-hour slice started at 12:00. */
const now = new Date('2026-01-01T12:30:30Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

let directory: string;
let store: Store;
beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-slices-'));
  store = openSqliteStore({ path: join(directory, 's.db') });
  await store.migrations.run({ now });
});
afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function finishedAt(queue: string, at: Date, outcome: 'succeeded' | 'dead' = 'succeeded'): Promise<void> {
  await store.jobs.insertMany({ jobs: [{ task: 't', queue, input: {}, priority: 0, runAt: at, maxAttempts: 1, dedupKey: null, concurrencyKey: null, traceContext: null }], now: at });
  const [job] = await store.jobs.claim({ queues: [queue], tasks: ['t'], workerId: 'w', limit: 1, now: at, leaseExpiresAt: new Date(at.getTime() + 60_000) });
  const ref = { id: job!.id, attempt: job!.attempt, workerId: 'w' };
  await store.jobs.setStateIfRunningMany({ updates: [outcome === 'succeeded' ? jobSucceeded(ref, at, null) : jobDead(ref, at, { attempt: 1, message: 'x', stack: null, at })] });
}

const total = (rows: Awaited<ReturnType<FinishedSliceCounter['load']>>, queue: string) => rows.filter((row) => row.queue === queue).reduce((sum, row) => sum + row.count, 0);

describe('FinishedSliceCounter', () => {
  it('counts each queue per slice on the clock over the last day, dead apart', async () => {
    await finishedAt('q', hoursAgo(0.25)); // the open slice
    await finishedAt('q', hoursAgo(2), 'dead'); // 10:30, slice 10:00
    await finishedAt('q', hoursAgo(23.4)); // 13:06 the day before: the oldest slice (13:00)
    await finishedAt('q', hoursAgo(24)); // 12:30 the day before: too old
    const counter = new FinishedSliceCounter(store, 3_600_000, 24);
    const rows = await counter.load(now);
    expect(total(rows, 'q')).toBe(3);
    expect(rows.find((row) => row.state === 'dead')).toMatchObject({ from: new Date('2026-01-01T10:00:00Z'), count: 1 });
    expect(counter.starts(now)[0]).toEqual(new Date('2025-12-31T13:00:00Z').getTime());
  });

  it('counts a closed slice once, and the open slice on every load', async () => {
    const counter = new FinishedSliceCounter(store, 3_600_000, 24);
    await finishedAt('q', hoursAgo(2));
    expect(total(await counter.load(now), 'q')).toBe(1);
    // A job written into a closed slice after it was counted is not read again: the slice is kept.
    await finishedAt('q', hoursAgo(2));
    await finishedAt('q', hoursAgo(0.1));
    expect(total(await counter.load(now), 'q')).toBe(2);
    expect(total(await new FinishedSliceCounter(store, 3_600_000, 24).load(now), 'q')).toBe(3);
  });

  it('leaves the open slice out with closedOnly, and does not read it', async () => {
    await finishedAt('q', hoursAgo(2));
    await finishedAt('q', hoursAgo(0.1));
    const counter = new FinishedSliceCounter(store, 3_600_000, 24);
    expect(total(await counter.load(now, { closedOnly: true }), 'q')).toBe(1);
    expect(total(await counter.load(now), 'q')).toBe(2);
  });
});
