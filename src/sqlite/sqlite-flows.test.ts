/**
 * What the shared conformance suite cannot reach for flows: `flows.settleWaiting` settling a parent a
 * crash left waiting with finished children. No sequence of `Store` calls leaves one (each settles
 * in the transaction that finishes the child), so these tests make that state with raw SQL, as a
 * process killed between the two would have left it had they been two transactions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../job.js';
import type { FlowJobInsert } from '../store/store.js';
import { openSqliteStore, type SqliteStore } from './index.js';

const at = (ms: number): Date => new Date(1_700_000_000_000 + ms);

function flowJob(overrides: Partial<FlowJobInsert> = {}): FlowJobInsert {
  return {
    task: 't', queue: 'q', input: null, priority: 0, runAt: at(0), maxAttempts: 3, dedupKey: null, concurrencyKey: null, traceContext: null,
    parentIndex: 0, onChildFailure: 'fail',
    ...overrides,
  };
}

let dir: string;
let path: string;
let store: SqliteStore;
let raw: Database.Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-sqlite-flows-'));
  path = join(dir, 'conveyor.db');
  store = openSqliteStore({ path });
  await store.migrations.run({ now: at(0) });
  raw = new Database(path);
});

afterEach(async () => {
  raw.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Finish a job behind the store's back, so its parent is not settled. */
function finishWithoutSettling(job: Job, state: 'succeeded' | 'dead' | 'cancelled', errors: unknown[] = []): void {
  raw
    .prepare("UPDATE conveyor_jobs SET state = @state, errors = @errors, finished_at = 5, updated_at = 5 WHERE id = @id")
    .run({ id: Number(job.id), state, errors: JSON.stringify(errors) });
}

async function insertFlow(jobs: FlowJobInsert[]): Promise<Job[]> {
  return store.flows.insert({ jobs, now: at(0) });
}

async function stateOf(job: Job): Promise<string | undefined> {
  return (await store.jobs.get({ id: job.id }))?.state;
}

describe('flows.settleWaiting on SQLite', () => {
  it('releases a parent left waiting with finished children, and obeys its limit', async () => {
    const flows = await Promise.all([1, 2, 3].map(() => insertFlow([flowJob({ parentIndex: null }), flowJob(), flowJob()])));
    for (const [, ...children] of flows) for (const child of children) finishWithoutSettling(child, 'succeeded');
    const roots = flows.map((jobs) => jobs[0] as Job);
    expect(await Promise.all(roots.map(stateOf))).toEqual(['waiting', 'waiting', 'waiting']);

    expect(await store.flows.settleWaiting({ now: at(10), limit: 2 })).toBe(2);
    expect(await Promise.all(roots.map(stateOf)), 'lowest ids first').toEqual(['queued', 'queued', 'waiting']);
    expect(await store.flows.settleWaiting({ now: at(10), limit: 2 })).toBe(1);
    expect(await store.flows.settleWaiting({ now: at(10), limit: 2 })).toBe(0);
    expect(await store.jobs.get({ id: roots[0]?.id ?? '' })).toMatchObject({ state: 'queued', updatedAt: at(10), errors: [] });
  });

  it('kills a parent whose child ended dead, and its parent in turn, counting both', async () => {
    const [root, middle, leaf] = await insertFlow([
      flowJob({ task: 'publish', parentIndex: null }),
      flowJob({ task: 'resize' }),
      flowJob({ task: 'scan', parentIndex: 1 }),
    ]);
    if (root === undefined || middle === undefined || leaf === undefined) throw new Error('flows.insert returned too few jobs.');
    finishWithoutSettling(leaf, 'dead', [{ attempt: 1, message: 'virus found', stack: null, at: 5 }]);

    expect(await store.flows.settleWaiting({ now: at(10), limit: 1 })).toBe(2);
    const deadMiddle = await store.jobs.get({ id: middle.id });
    expect(deadMiddle).toMatchObject({ state: 'dead', finishedAt: at(10) });
    expect(deadMiddle?.errors).toEqual([
      { attempt: 0, message: `Child job ${leaf.id} (task "scan") ended dead: virus found`, stack: null, at: at(10) },
    ]);
    expect((await store.jobs.get({ id: root.id }))?.errors.map((error) => error.message)).toEqual([
      `Child job ${middle.id} (task "resize") ended dead: Child job ${leaf.id} (task "scan") ended dead: virus found`,
    ]);
  });

  it("names a child cancelled without an error as cancelled, and leaves a 'continue' parent to run", async () => {
    const [failing, cancelledChild] = await insertFlow([flowJob({ parentIndex: null }), flowJob({ task: 'fetch' })]);
    const [continuing, cancelledToo] = await insertFlow([flowJob({ parentIndex: null, onChildFailure: 'continue', runAt: at(50) }), flowJob()]);
    if (failing === undefined || cancelledChild === undefined || continuing === undefined || cancelledToo === undefined) {
      throw new Error('flows.insert returned too few jobs.');
    }
    finishWithoutSettling(cancelledChild, 'cancelled');
    finishWithoutSettling(cancelledToo, 'cancelled');

    expect(await store.flows.settleWaiting({ now: at(10), limit: 10 })).toBe(2);
    expect((await store.jobs.get({ id: failing.id }))?.errors.map((error) => error.message)).toEqual([
      `Child job ${cancelledChild.id} (task "fetch") was cancelled`,
    ]);
    expect(await store.jobs.get({ id: continuing.id }), 'released for its runAt, still ahead').toMatchObject({ state: 'scheduled', errors: [] });
  });
});
