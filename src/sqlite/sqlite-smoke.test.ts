/**
 * Checks of the SQLite store's own machinery, which the shared conformance suite (run by
 * `sqlite-store.test.ts`) does not reach: opening the file, the compiled migrations, the
 * per-queue claim merge and per-index listing paths, and the query plans that keep claiming,
 * promotion, lease recovery and pruning independent of how many jobs the table holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConveyorConfigError } from '../errors.js';
import { migrationChecksum } from '../store/migration-plan.js';
import { jobSucceeded } from '../store/state-updates.js';
import type { JobInsert, JobListFilter, JobListPage } from '../store/store.js';
import * as flowSql from './flow-queries.js';
import { openSqliteStore, type SqliteStore } from './index.js';
import { migrations } from './migrations.generated.js';
import * as sql from './queries.js';

const at = (ms: number): Date => new Date(1_700_000_000_000 + ms);

function jobInsert(overrides: Partial<JobInsert> = {}): JobInsert {
  return { task: 't', queue: 'q', input: { n: 1 }, priority: 0, runAt: at(0), maxAttempts: 3, dedupKey: null, concurrencyKey: null, traceContext: null, ...overrides };
}

let dir: string;
let path: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-sqlite-'));
  path = join(dir, 'nested', 'conveyor.db');
  store = openSqliteStore({ path });
  await store.migrations.run({ now: at(0) });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openSqliteStore', () => {
  it('creates the missing folder and puts the file in WAL mode', async () => {
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    const normal = openSqliteStore({ path: join(dir, 'a', 'b', 'normal.db'), synchronous: 'normal', busyTimeoutMs: 250 });
    expect(await normal.migrations.status()).toMatchObject({ databaseVersion: 0 });
    await normal.close();
  });

  it('rejects options it cannot use with ConveyorConfigError', () => {
    expect(() => openSqliteStore({ path: '' })).toThrow(ConveyorConfigError);
    expect(() => openSqliteStore({ path, busyTimeoutMs: -1 })).toThrow(ConveyorConfigError);
    expect(() => openSqliteStore({ path, synchronous: 'off' as 'full' })).toThrow(ConveyorConfigError);
  });

  it('opens :memory: and closes twice without error', async () => {
    const memory = openSqliteStore({ path: ':memory:' });
    expect(await memory.migrations.run({ now: at(0) })).toMatchObject({ databaseVersion: migrations.length, pending: [] });
    await memory.close();
    await memory.close();
  });
});

describe('migrations', () => {
  it('ships checksums that match the SQL they compile', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, index) => index + 1));
    for (const migration of migrations) expect(migration.checksum).toBe(migrationChecksum(migration.sql));
  });
});

describe('SqliteStore paths of its own', () => {
  it('claims the best jobs across several queues, not the best of each', async () => {
    // Priorities spread so the top five come unevenly from three queues.
    const specs: Array<[queue: string, priority: number]> = [
      ['a', 1], ['b', 9], ['c', 5], ['a', 8], ['b', 2], ['c', 7], ['a', 9], ['b', 0], ['c', 6], ['a', 3],
    ];
    const inserted = await store.jobs.insertMany({ jobs: specs.map(([queue, priority]) => jobInsert({ queue, priority })), now: at(0) });
    const expected = inserted
      .map((result) => result.job)
      .sort((x, y) => y.priority - x.priority || Number(x.id) - Number(y.id))
      .slice(0, 5)
      .map((job) => job.id);
    const claimed = await store.jobs.claim({ queues: ['a', 'b', 'c', 'a'], tasks: ['t'], workerId: 'w', limit: 5, now: at(1), leaseExpiresAt: at(9) });
    expect(claimed.map((job) => job.id)).toEqual(expected);
  });

  it('lists the same jobs through every index it may walk, page by page', async () => {
    const jobs = await store.jobs.insertMany({
      jobs: Array.from({ length: 48 }, (_, i) => jobInsert({ task: `t${i % 3}`, queue: `q${i % 2}`, runAt: at(i % 5 === 0 ? 1000 : 0) })),
      now: at(0),
    });
    for (const task of ['t0', 't1', 't2']) {
      const claimed = await store.jobs.claim({ queues: ['q0', 'q1'], tasks: [task], workerId: 'w', limit: 6, now: at(1), leaseExpiresAt: at(9) });
      const updates = claimed.slice(0, 4).map((job) => jobSucceeded({ id: job.id, attempt: 1, workerId: 'w' }, at(2), null));
      await store.jobs.setStateIfRunningMany({ updates });
    }
    for (const result of jobs.filter((_, i) => i % 7 === 3)) await store.jobs.cancel({ id: result.job.id, now: at(3) });
    const all = (await store.jobs.list({ filter: {}, cursor: null, limit: 1000 })).jobs;
    expect(all).toHaveLength(48);
    const filters: JobListFilter[] = [
      {},
      { states: ['queued', 'running'] },
      { states: ['succeeded', 'cancelled'] },
      { states: ['running', 'scheduled'], task: 't1' },
      { states: ['succeeded'], task: 't2', queue: 'q0' },
      { states: ['succeeded', 'queued'], queue: 'q1' },
      { task: 't0', queue: 'q1' },
      { queue: 'q0' },
      { states: [] },
    ];
    for (const filter of filters) {
      const expected = all.filter(
        (job) =>
          (filter.states === undefined || filter.states.includes(job.state)) &&
          (filter.task === undefined || job.task === filter.task) &&
          (filter.queue === undefined || job.queue === filter.queue),
      );
      const listed: string[] = [];
      let cursor: string | null = null;
      do {
        const page: JobListPage = await store.jobs.list({ filter, cursor, limit: 4 });
        listed.push(...page.jobs.map((job) => job.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(listed, JSON.stringify(filter)).toEqual(expected.map((job) => job.id));
    }
  });
});

describe('query plans', () => {
  /** The plan SQLite picks on a migrated file with no ANALYZE statistics, as in production. */
  function planOf(statement: string, params: Record<string, unknown>): string[] {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare(`EXPLAIN QUERY PLAN ${statement}`).all(params) as Array<{ detail: string }>).map((row) => row.detail);
    } finally {
      db.close();
    }
  }

  const noSearch = { createdAfter: null, createdBefore: null, text: null, minId: null };
  const search = { createdAfter: 0, createdBefore: 1, text: 'timeout', minId: 0 };
  it.each([
    ['claim', sql.JOB_CLAIM_CANDIDATES, { queue: 'q', tasks: '["t"]', now: 0, limit: 1 }, 'conveyor_jobs_claim_idx (queue=?)'],
    ['paused and limited queues of a claim', sql.QUEUES_AMONG, { queues: '["q"]' }, 'SEARCH conveyor_queues USING INDEX sqlite_autoindex_conveyor_queues_1 (name=?)'],
    ['running jobs of a limited queue', sql.QUEUE_RUNNING_COUNT, { queue: 'q' }, 'conveyor_jobs_running_key_idx (queue=?)'],
    ['recent starts of a rate-limited queue', sql.QUEUE_STARTS_COUNT, { queue: 'q', since: 0 }, 'conveyor_queue_starts_idx (queue=? AND started_at>?)'],
    ['promotion', sql.JOB_PROMOTE_DUE, { now: 0, limit: 1 }, 'conveyor_jobs_due_idx (run_at<?)'],
    ['lease recovery', sql.JOB_LEASES_EXPIRED, { now: 0, limit: 1 }, 'conveyor_jobs_lease_idx (lease_expires_at<?)'],
    ['lease renewal', sql.JOB_LEASE_EXTEND, { workerId: 'w', leaseExpiresAt: 0 }, 'conveyor_jobs_worker_idx (worker_id=?)'],
    ['pruning', sql.JOB_PRUNE_FINISHED, { succeededBefore: 0, deadBefore: 0, cancelledBefore: 0, limit: 1 }, 'conveyor_jobs_finished_idx (state=? AND finished_at<?)'],
    ['dedup', sql.JOB_GET_UNFINISHED_BY_DEDUP_KEY, { task: 't', dedupKey: 'k' }, 'conveyor_jobs_dedup_idx (task=? AND dedup_key=?)'],
    ['listing by state', sql.JOB_LIST.byState, { state: 'dead', task: null, queue: null, ...noSearch, beforeId: 1, limit: 1 }, 'conveyor_jobs_state_idx (state=? AND id<?)'],
    ['searching by state', sql.JOB_LIST.byState, { state: 'dead', task: null, queue: null, ...search, beforeId: 1, limit: 1 }, 'conveyor_jobs_state_idx (state=? AND id<?)'],
    ['searching by task', sql.JOB_LIST.byTask, { task: 't', queue: null, states: null, ...search, beforeId: 1, limit: 1 }, 'conveyor_jobs_task_idx (task=? AND id<?)'],
    ['searching by queue', sql.JOB_LIST.byQueue, { queue: 'q', states: null, ...search, beforeId: 1, limit: 1 }, 'conveyor_jobs_queue_idx (queue=? AND id<?)'],
    ['due schedules', sql.SCHEDULE_DUE_LIST, { now: 0, limit: 1 }, 'conveyor_schedules_due_idx (next_run_at<?)'],
    ['reading a flow', flowSql.FLOW_GET, { flowId: 1 }, 'conveyor_jobs_flow_idx (flow_id=?)'],
    ['cancelling a flow', flowSql.FLOW_CANCEL_NOT_RUNNING, { flowId: 1, now: 0 }, 'conveyor_jobs_flow_idx (flow_id=?)'],
    ['listing children', flowSql.JOB_CHILD_LIST, { id: 1 }, 'conveyor_jobs_parent_idx (parent_id=?)'],
    ['settling a parent', flowSql.JOB_SETTLEABLE_GET, { id: 1 }, 'conveyor_jobs_unfinished_child_idx (parent_id=?)'],
    ['the child that fails a parent', flowSql.JOB_FAILED_CHILD_FIRST, { id: 1 }, 'conveyor_jobs_parent_idx (parent_id=?)'],
    ['the sweep of waiting parents', flowSql.JOB_SETTLEABLE_LIST, { limit: 1 }, 'conveyor_jobs_waiting_idx'],
    ['firing a schedule', sql.SCHEDULE_ADVANCE, { name: 's', expectedNextRunAt: 0, nextRunAt: 1, tick: 0, now: 0 }, 'sqlite_autoindex_conveyor_schedules_1 (name=?)'],
  ])('%s walks its index without scanning or sorting the table', (_, statement, params, expected) => {
    const plan = planOf(statement, params);
    expect(plan.some((detail) => detail.includes(expected)), plan.join('\n')).toBe(true);
    expect(plan.filter((detail) => /SCAN conveyor_jobs|TEMP B-TREE/.test(detail)), plan.join('\n')).toEqual([]);
  });

  it('counting finished jobs range-scans the finished index per state, sorting only the jobs it found', () => {
    const plan = planOf(sql.JOB_COUNT_FINISHED_SINCE, { since: 0 });
    expect(plan.some((detail) => detail.includes('conveyor_jobs_finished_idx (state=? AND finished_at>?)')), plan.join('\n')).toBe(true);
    // The queue is not in the index, so grouping by it sorts the matching rows; never the table.
    expect(plan.filter((detail) => /SCAN conveyor_jobs|TEMP B-TREE(?! FOR GROUP BY)/.test(detail)), plan.join('\n')).toEqual([]);
  });

  it('counting finished jobs by interval range-scans the finished index per state, both ends bounded', () => {
    const plan = planOf(sql.JOB_COUNT_FINISHED_BY_INTERVAL, { from: 0, to: 1, intervalMs: 1 });
    expect(plan.some((detail) => detail.includes('conveyor_jobs_finished_idx (state=? AND finished_at>? AND finished_at<?)')), plan.join('\n')).toBe(true);
    expect(plan.filter((detail) => /SCAN conveyor_jobs/.test(detail)), plan.join('\n')).toEqual([]);
  });
});
