/**
 * Group commit of single enqueues (`EnqueueBatcher` behind `Conveyor.enqueue`), on a real SQLite file
 * and a real PostgreSQL schema. The store is wrapped only to record its `jobs.insertMany` and `jobs.claim`
 * calls and, where a test says so, to make one insert fail or wait.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Conveyor } from '../conveyor.js';
import { ConveyorStoreUnavailableError, ConveyorValidationError } from '../errors.js';
import type { JobInsert } from '../store/store.js';
import { defineTask } from '../task.js';
import { describePostgres, freshTestSchema } from '../testing/postgres-env.js';
import { deferred, useHarness } from '../testing/worker-conformance/helpers.js';
import type { WorkerHarnessFactory } from '../testing/worker-harness.js';

const note = defineTask({ name: 'batch.note', input: z.object({ n: z.int().nonnegative() }), run: ({ n }) => n });

/** Run `fail` before each real `jobs.insertMany`: a thrown error fails that call instead. */
type Fault = (jobs: JobInsert[]) => void;

/** Wrap the real store's `jobs.insertMany` to record the jobs of every call. */
function recordInserts(conveyor: Conveyor, fault: Fault = () => {}): JobInsert[][] {
  const store = conveyor.store;
  const insert = store.jobs.insertMany.bind(store.jobs);
  const calls: JobInsert[][] = [];
  store.jobs.insertMany = async (params) => {
    calls.push(params.jobs);
    fault(params.jobs);
    return insert(params);
  };
  return calls;
}

function inputOf(job: JobInsert): { n: number } {
  return job.input as { n: number };
}

/** What the store does beyond what every store does. */
interface StoreTraits {
  /** The store itself tells workers of committed jobs (PostgreSQL's notices), batcher or not. */
  wakesWorkersOnInsert: boolean;
}

function batchingTests(createHarness: WorkerHarnessFactory, traits: StoreTraits): void {
  const t = useHarness(createHarness);

  it('200 concurrent enqueues each get their own committed job, in far fewer store transactions', async () => {
    const conveyor = await t.open();
    const calls = recordInserts(conveyor);
    const results = await Promise.all(Array.from({ length: 200 }, (_, n) => conveyor.enqueue(note, { n })));
    expect(results.map((r) => (r.job.input as { n: number }).n)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    expect(results.every((r) => !r.duplicate && r.job.state === 'queued')).toBe(true);
    expect(new Set(results.map((r) => r.job.id)).size).toBe(200);
    const stored = (await conveyor.listJobs({}, { limit: 1000 })).jobs;
    expect(stored.map((job) => job.id).sort()).toEqual(results.map((r) => r.job.id).sort());
    expect(calls.flat()).toHaveLength(200);
    expect(calls.length).toBeLessThanOrEqual(20);
  });

  it('callers that enqueue again as soon as their job is committed share the next insert', async () => {
    const conveyor = await t.open();
    const calls = recordInserts(conveyor);
    await Promise.all(
      Array.from({ length: 20 }, async (_, caller) => {
        for (let round = 0; round < 10; round++) await conveyor.enqueue(note, { n: caller * 10 + round });
      }),
    );
    expect(calls.flat()).toHaveLength(200);
    expect(calls.length).toBeLessThanOrEqual(12);
  });

  it('concurrent enqueues with one dedup key store one job; the others get it back as a duplicate', async () => {
    const conveyor = await t.open();
    const calls = recordInserts(conveyor);
    const results = await Promise.all(Array.from({ length: 30 }, (_, n) => conveyor.enqueue(note, { n }, { dedupKey: 'same' })));
    expect(calls.some((jobs) => jobs.length > 1)).toBe(true); // the key met itself inside a shared insert
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect((await conveyor.listJobs()).jobs).toHaveLength(1);
  });

  it('an invalid call among 50 valid ones rejects alone, with the error it gets on its own', async () => {
    const conveyor = await t.open();
    const bad = { n: -1 };
    const alone = await conveyor.enqueue(note, bad).catch((error: unknown) => error);
    expect(alone).toBeInstanceOf(ConveyorValidationError);
    const calls = recordInserts(conveyor);
    const valid = Array.from({ length: 50 }, (_, n) => conveyor.enqueue(note, { n }));
    const invalid = conveyor.enqueue(note, bad);
    await expect(invalid).rejects.toThrow((alone as Error).message);
    expect(new Set((await Promise.all(valid)).map((r) => r.job.id)).size).toBe(50);
    expect((await conveyor.listJobs({}, { limit: 1000 })).jobs).toHaveLength(50);
    expect(calls.flat().map(inputOf)).not.toContainEqual(bad);
  });

  it('a shared insert that fails is retried call by call, and every call succeeds', async () => {
    const conveyor = await t.open();
    let failed = false;
    const calls = recordInserts(conveyor, (jobs) => {
      if (jobs.length > 1 && !failed) {
        failed = true;
        throw new Error('injected: the shared insert fails once');
      }
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => conveyor.enqueue(note, { n })));
    expect(failed).toBe(true);
    expect(new Set(results.map((r) => r.job.id)).size).toBe(50);
    expect((await conveyor.listJobs({}, { limit: 1000 })).jobs).toHaveLength(50);
    const failedBatch = calls.find((jobs) => jobs.length > 1) ?? [];
    // Each call of the failed batch went to the store on its own afterwards.
    for (const job of failedBatch) expect(calls.filter((jobs) => jobs.length === 1 && jobs[0] === job)).toHaveLength(1);
  });

  it('a shared insert that loses the store fails every call of it with that error, and retries none', async () => {
    const conveyor = await t.open();
    const lost = new ConveyorStoreUnavailableError('injected: the connection dropped before the server answered');
    const calls = recordInserts(conveyor, (jobs) => {
      if (jobs.length > 1) throw lost;
    });
    const settled = await Promise.allSettled(Array.from({ length: 50 }, (_, n) => conveyor.enqueue(note, { n })));
    const sharedSizes = calls.filter((jobs) => jobs.length > 1).map((jobs) => jobs.length);
    const shared = sharedSizes.reduce((sum, size) => sum + size, 0);
    expect(shared).toBeGreaterThan(0);
    // The server may have committed a batch whose answer was lost: retrying it could store jobs twice.
    expect(calls.filter((jobs) => jobs.length === 1)).toHaveLength(50 - shared);
    expect(settled.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason)).toEqual(Array(shared).fill(lost));
  });

  it('when one job makes the shared insert fail, only its call rejects, with its own error', async () => {
    const conveyor = await t.open();
    recordInserts(conveyor, (jobs) => {
      if (jobs.some((job) => inputOf(job).n === 13)) throw new Error('injected: the store refuses job 13');
    });
    const settled = await Promise.allSettled(Array.from({ length: 50 }, (_, n) => conveyor.enqueue(note, { n })));
    const rejected = settled.flatMap((outcome, n) => (outcome.status === 'rejected' ? [{ n, error: outcome.reason as Error }] : []));
    expect(rejected.map(({ n, error }) => [n, error.message])).toEqual([[13, 'injected: the store refuses job 13']]);
    expect((await conveyor.listJobs({}, { limit: 1000 })).jobs).toHaveLength(49);
  });

  it('a lone enqueue goes to the store in the turn it was made, without waiting for a timer', async () => {
    const conveyor = await t.open();
    for (let round = 0; round < 3; round++) {
      let turnEnded = false;
      let calledInTurn: boolean | undefined;
      const calls = recordInserts(conveyor, () => (calledInTurn ??= !turnEnded));
      setImmediate(() => (turnEnded = true));
      await conveyor.enqueue(note, { n: round });
      expect(calls).toHaveLength(1);
      expect(calledInTurn).toBe(true);
    }
  });

  it('enqueueMany keeps a transaction of its own, never shared with single enqueues', async () => {
    const conveyor = await t.open();
    const calls = recordInserts(conveyor);
    const many = Array.from({ length: 5 }, (_, i) => ({ task: note, input: { n: 1000 + i } }));
    const singles = Array.from({ length: 40 }, (_, n) => conveyor.enqueue(note, { n }));
    const [results] = await Promise.all([conveyor.enqueueMany(many), ...singles]);
    expect(results).toHaveLength(5);
    const withMany = calls.filter((jobs) => jobs.some((job) => inputOf(job).n >= 1000));
    expect(withMany.map((jobs) => jobs.map((job) => inputOf(job).n))).toEqual([[1000, 1001, 1002, 1003, 1004]]);
  });

  // On SQLite only the batcher's own wake-up can make the worker claim within the minute; on
  // PostgreSQL the insert's pg_notify wakes every listening worker too, so there the test shows the
  // shared insert is announced by one of the two, not which.
  const wakeUpBy = traits.wakesWorkersOnInsert ? "the store's notice or the batcher" : 'the batcher';
  it(`wakes an idle worker of this process for jobs of a shared insert, long before its next poll (by ${wakeUpBy})`, async () => {
    const conveyor = await t.open();
    const store = conveyor.store;
    const claim = store.jobs.claim.bind(store.jobs);
    const asleep = deferred();
    store.jobs.claim = async (params) => {
      const jobs = await claim(params);
      if (jobs.length === 0) asleep.resolve();
      return jobs;
    };
    await t.startWorker(conveyor, { tasks: [note], pollIntervalMs: 60_000 });
    await asleep.promise; // its first claim found nothing: only a wake-up makes it claim within the minute
    // A lone insert of a scheduled job (which wakes no worker) is held in flight until every call has
    // reached the line, so the 20 queued jobs go to the store as one shared insert: the only wake-up.
    const calls = recordInserts(conveyor);
    const recordedInsert = store.jobs.insertMany.bind(store.jobs);
    const release = deferred();
    store.jobs.insertMany = async (params) => {
      if (calls.length === 0) await release.promise;
      return recordedInsert(params);
    };
    const later = conveyor.enqueue(note, { n: 1000 }, { delayMs: 3_600_000 });
    const queued = Promise.all(Array.from({ length: 20 }, (_, n) => conveyor.enqueue(note, { n })));
    await new Promise((resolve) => setImmediate(resolve));
    release.resolve();
    const results = await queued;
    expect((await later).job.state).toBe('scheduled');
    expect(calls.map((jobs) => jobs.map((job) => inputOf(job).n)), 'the scheduled job alone, then one shared insert').toEqual([
      [1000],
      Array.from({ length: 20 }, (_, n) => n),
    ]);
    const done = await Promise.all(results.map((r) => conveyor.waitFor(r.job.id, { timeoutMs: 10_000 })));
    expect(done.every((job) => job.state === 'succeeded')).toBe(true);
  });
}

describe('enqueue batching: sqlite', () => {
  batchingTests(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-batch-'));
    return { storeUrl: `sqlite:${join(dir, 'conveyor.db')}`, destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  }, { wakesWorkersOnInsert: false });
});

describePostgres('enqueue batching: postgres', () => {
  batchingTests(async () => {
    const { storeUrl, drop } = freshTestSchema();
    return { storeUrl, destroy: drop };
  }, { wakesWorkersOnInsert: true });
});
