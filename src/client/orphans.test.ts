/**
 * The grouping logic of orphan detection. The store is reduced to the two reads it makes, from
 * fixed arrays; what those reads return from a real database is the store conformance suite's job.
 */
import { describe, expect, it } from 'vitest';
import type { JobState } from '../job.js';
import type { JobCount, Store, WorkerRecord } from '../store/store.js';
import { DEFAULT_WORKER_STALE_AFTER_MS, findOrphans, isWorkerLive } from './orphans.js';

const now = new Date('2026-01-01T12:00:00Z');
const STALE_AFTER_MS = 10_000;
const ago = (ms: number) => new Date(now.getTime() - ms);

function worker(id: string, queues: string[], tasks: string[], heartbeatAgeMs = 1000): WorkerRecord {
  return { id, host: 'host-1', pid: 100, queues, tasks, concurrency: 4, startedAt: ago(3_600_000), lastHeartbeatAt: ago(heartbeatAgeMs), handlersIgnoringAbort: [], dependencies: [], taskShapes: [] };
}

function queued(task: string, queue: string, count: number, oldestAgeMs = 60_000): JobCount {
  return { task, queue, state: 'queued', count, oldestCreatedAt: ago(oldestAgeMs) };
}

function storeWith(workers: WorkerRecord[], counts: JobCount[]): { store: Store; countQueries: JobState[][] } {
  const countQueries: JobState[][] = [];
  const reads = {
    workers: { list: async () => workers },
    jobs: {
      countByGroup: async ({ states }: { states: JobState[] }) => {
        countQueries.push(states);
        return counts.filter((count) => states.includes(count.state));
      },
    },
  };
  return { store: reads as unknown as Store, countQueries };
}

describe('isWorkerLive', () => {
  it('is live while the heartbeat is younger than the stale age, stale from then on', () => {
    expect(isWorkerLive(worker('w', [], [], 0), now, STALE_AFTER_MS)).toBe(true);
    expect(isWorkerLive(worker('w', [], [], STALE_AFTER_MS - 1), now, STALE_AFTER_MS)).toBe(true);
    expect(isWorkerLive(worker('w', [], [], STALE_AFTER_MS), now, STALE_AFTER_MS)).toBe(false);
    expect(isWorkerLive(worker('w', [], [], 3_600_000), now, STALE_AFTER_MS)).toBe(false);
  });

  it('counts a heartbeat from a clock slightly ahead as live', () => {
    expect(isWorkerLive(worker('w', [], [], -500), now, STALE_AFTER_MS)).toBe(true);
  });

  it('defaults the stale age to ten seconds', () => {
    expect(DEFAULT_WORKER_STALE_AFTER_MS).toBe(10_000);
  });
});

describe('findOrphans', () => {
  it('reports queued jobs on a queue no live worker serves', async () => {
    const group = queued('email.send', 'mail', 3, 120_000);
    const { store, countQueries } = storeWith([worker('w1', ['default'], ['email.send'])], [group]);
    const report = await findOrphans(store, now, STALE_AFTER_MS);
    expect(report.jobs).toEqual([{ task: 'email.send', queue: 'mail', count: 3, oldestCreatedAt: ago(120_000), reason: 'queue-not-served' }]);
    expect(countQueries).toEqual([['queued']]);
  });

  it('reports queued jobs whose task no live worker on their queue knows', async () => {
    const { store } = storeWith(
      [worker('w1', ['mail'], ['email.send']), worker('w2', ['reports'], ['reports.export'])],
      [queued('reports.export', 'mail', 2)],
    );
    const report = await findOrphans(store, now, STALE_AFTER_MS);
    expect(report.jobs).toEqual([expect.objectContaining({ task: 'reports.export', queue: 'mail', count: 2, reason: 'task-not-served' })]);
  });

  it('does not list jobs a live worker serves', async () => {
    const { store } = storeWith(
      [worker('w1', ['mail', 'default'], ['email.send', 'users.sync']), worker('w2', ['mail'], ['email.digest'])],
      [queued('email.send', 'mail', 5), queued('users.sync', 'default', 1), queued('email.digest', 'mail', 1)],
    );
    expect((await findOrphans(store, now, STALE_AFTER_MS)).jobs).toEqual([]);
  });

  it('gives each group its own reason', async () => {
    const { store } = storeWith(
      [worker('w1', ['mail'], ['email.send'])],
      [queued('email.send', 'mail', 5), queued('email.digest', 'mail', 1), queued('reports.export', 'reports', 4)],
    );
    const report = await findOrphans(store, now, STALE_AFTER_MS);
    expect(report.jobs.map(({ task, queue, reason }) => ({ task, queue, reason }))).toEqual([
      { task: 'email.digest', queue: 'mail', reason: 'task-not-served' },
      { task: 'reports.export', queue: 'reports', reason: 'queue-not-served' },
    ]);
  });

  it('lists a stale worker as stalled and does not count it as serving', async () => {
    const live = worker('live', ['default'], ['users.sync']);
    const stale = worker('stale', ['mail'], ['email.send'], 30_000);
    const { store } = storeWith([live, stale], [queued('email.send', 'mail', 7)]);
    const report = await findOrphans(store, now, STALE_AFTER_MS);
    expect(report.liveWorkers).toEqual([live]);
    expect(report.stalledWorkers).toEqual([stale]);
    expect(report.jobs).toEqual([expect.objectContaining({ task: 'email.send', queue: 'mail', count: 7, reason: 'queue-not-served' })]);
  });

  it('reports every queued group as orphaned when no worker is live', async () => {
    const { store } = storeWith([], [queued('a', 'q1', 1), queued('b', 'q2', 2)]);
    const report = await findOrphans(store, now, STALE_AFTER_MS);
    expect(report.jobs.map((group) => group.reason)).toEqual(['queue-not-served', 'queue-not-served']);
    expect(report.liveWorkers).toEqual([]);
    expect(report.stalledWorkers).toEqual([]);
  });

  it('uses the stale age it is given', async () => {
    const slow = worker('slow', ['mail'], ['email.send'], 30_000);
    const { store } = storeWith([slow], [queued('email.send', 'mail', 1)]);
    const report = await findOrphans(store, now, 60_000);
    expect(report.liveWorkers).toEqual([slow]);
    expect(report.jobs).toEqual([]);
  });
});
