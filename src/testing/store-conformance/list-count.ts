import { expect } from 'vitest';
import { ConveyorConfigError } from '../../errors.js';
import type { Job } from '../../job.js';
import { jobDead, jobSucceeded } from '../../store/state-updates.js';
import type { JobFinishedCount, JobListFilter, JobStateCount, Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { applyUpdate, at, attemptError, attemptRef, claimJob, compareIds, insertJob, jobInsert, jobInState, t0 } from './helpers.js';

/** By task, queue and state. Shared with `kept-counts.ts`. */
export function byGroup<Count extends JobStateCount>(counts: readonly Count[]): Count[] {
  const key = (c: JobStateCount) => `${c.task}\u0000${c.queue}\u0000${c.state}`;
  return [...counts].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

function byQueueAndState(counts: JobFinishedCount[]): JobFinishedCount[] {
  const key = (c: JobFinishedCount) => `${c.queue}\u0000${c.state}`;
  return [...counts].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** Claim `job` at `at(1)` and finish it `succeeded` or `dead` at `finishedAt`. */
async function finishAt(store: Store, job: Job, outcome: 'succeeded' | 'dead', finishedAt: Date): Promise<void> {
  const ref = attemptRef(await claimJob(store, job, { now: at(1) }));
  const update = outcome === 'succeeded' ? jobSucceeded(ref, finishedAt, null) : jobDead(ref, finishedAt, attemptError(ref.attempt, 'boom', finishedAt));
  expect(await applyUpdate(store, update), `finishing job ${job.id} as ${outcome}`).toBe(true);
}

/** Newest first; among jobs created at the same time, the order the store picks is its own. */
function expectNewestFirst(jobs: Job[]): void {
  for (let i = 1; i < jobs.length; i += 1) {
    const previous = jobs[i - 1];
    const current = jobs[i];
    if (previous === undefined || current === undefined) continue;
    expect(previous.createdAt.getTime(), `createdAt of job ${i - 1} and ${i}`).toBeGreaterThanOrEqual(current.createdAt.getTime());
  }
}

/** Walk every page; fails when the walk does not end within a page more than the jobs need. Shared with `list-search.ts`. */
export async function walk(
  store: Store,
  filter: JobListFilter,
  limit: number,
  between: (pageNumber: number) => Promise<void> = async () => {},
): Promise<Job[][]> {
  const pages: Job[][] = [];
  let cursor: string | null = null;
  for (let pageNumber = 0; pageNumber < 100; pageNumber += 1) {
    const page = await store.jobs.list({ filter, cursor, limit });
    expect(page.jobs.length, `size of page ${pageNumber}`).toBeLessThanOrEqual(limit);
    pages.push(page.jobs);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
    await between(pageNumber);
  }
  throw new Error('jobs.list kept returning a nextCursor after 100 pages.');
}

export const listCountTests: SuiteSection = (suite) => {
  suite.group('jobs.countByGroup', { migrate: true }, (group) => {
    group.test('counts the states asked for by task, queue and state, with the oldest createdAt', async ({ store }) => {
      // The older of the two is inserted second, so "oldest" cannot mean "first inserted".
      await insertJob(store, { task: 'a', queue: 'q1', now: at(3) });
      await insertJob(store, { task: 'a', queue: 'q1', now: at(1) });
      await insertJob(store, { task: 'a', queue: 'q2', now: at(2) });
      await insertJob(store, { task: 'b', queue: 'q1', now: at(4) });
      await insertJob(store, { task: 'a', queue: 'q1', runAt: at(500), now: at(5) });
      await jobInState(store, 'running', { task: 'c', queue: 'q1' });
      await jobInState(store, 'succeeded', { task: 'b', queue: 'q1' });
      const asked = await store.jobs.countByGroup({ states: ['queued', 'running'] });
      expect(byGroup(asked)).toEqual(
        byGroup([
          { task: 'a', queue: 'q1', state: 'queued', count: 2, oldestCreatedAt: at(1) },
          { task: 'a', queue: 'q2', state: 'queued', count: 1, oldestCreatedAt: at(2) },
          { task: 'b', queue: 'q1', state: 'queued', count: 1, oldestCreatedAt: at(4) },
          { task: 'c', queue: 'q1', state: 'running', count: 1, oldestCreatedAt: at(0) },
        ]),
      );
      expect(await store.jobs.countByGroup({ states: ['scheduled', 'succeeded'] }).then(byGroup)).toEqual(
        byGroup([
          { task: 'a', queue: 'q1', state: 'scheduled', count: 1, oldestCreatedAt: at(5) },
          { task: 'b', queue: 'q1', state: 'succeeded', count: 1, oldestCreatedAt: at(0) },
        ]),
      );
    });

    group.test('asking for no states counts nothing', async ({ store }) => {
      await insertJob(store);
      expect(await store.jobs.countByGroup({ states: [] })).toEqual([]);
    });
  });

  suite.group('jobs.countFinishedSince', { migrate: true }, (group) => {
    group.test('counts by queue and final state the jobs finished at or after `since`', async ({ store }) => {
      // Each job is finished before the next is inserted, so claimJob finds only it queued.
      await finishAt(store, await insertJob(store, { queue: 'q1' }), 'succeeded', at(9));
      await finishAt(store, await insertJob(store, { queue: 'q1' }), 'succeeded', at(10));
      await finishAt(store, await insertJob(store, { queue: 'q1' }), 'succeeded', at(20));
      await finishAt(store, await insertJob(store, { queue: 'q1' }), 'dead', at(15));
      await finishAt(store, await insertJob(store, { queue: 'q2' }), 'succeeded', at(11));
      await finishAt(store, await insertJob(store, { queue: 'q2' }), 'dead', at(5));
      await store.jobs.cancel({ id: (await insertJob(store, { queue: 'q2' })).id, now: at(12) });
      await store.jobs.cancel({ id: (await insertJob(store, { queue: 'q3' })).id, now: at(3) });
      expect(byQueueAndState(await store.jobs.countFinishedSince({ since: at(10) }))).toEqual([
        { queue: 'q1', state: 'dead', count: 1 },
        { queue: 'q1', state: 'succeeded', count: 2 },
        { queue: 'q2', state: 'cancelled', count: 1 },
        { queue: 'q2', state: 'succeeded', count: 1 },
      ]);
    });

    group.test('never counts unfinished jobs', async ({ store }) => {
      await insertJob(store, { queue: 'q1' });
      await insertJob(store, { queue: 'q1', runAt: at(500) });
      await jobInState(store, 'running', { queue: 'q2' });
      await jobInState(store, 'failed', { queue: 'q3' }, { finishedAt: at(2) });
      expect(await store.jobs.countFinishedSince({ since: t0 })).toEqual([]);
    });

    group.test('is empty when no job finished since then', async ({ store }) => {
      expect(await store.jobs.countFinishedSince({ since: t0 })).toEqual([]);
      await finishAt(store, await insertJob(store), 'succeeded', at(5));
      expect(await store.jobs.countFinishedSince({ since: at(6) })).toEqual([]);
    });
  });

  suite.group('jobs.countFinishedByInterval', { migrate: true }, (group) => {
    group.test('counts by queue, final state and interval the jobs finished in [from, to)', async ({ store }) => {
      await finishAt(store, await insertJob(store, { queue: 'q1' }), 'succeeded', at(9)); // before `from`
      await finishAt(store, await insertJob(store, { queue: 'q1' }), 'succeeded', at(10)); // first interval, at its start
      await finishAt(store, await insertJob(store, { queue: 'q1' }), 'succeeded', at(14.999));
      await finishAt(store, await insertJob(store, { queue: 'q1' }), 'dead', at(15)); // second interval
      await finishAt(store, await insertJob(store, { queue: 'q2' }), 'succeeded', at(29.5)); // fourth
      await finishAt(store, await insertJob(store, { queue: 'q2' }), 'succeeded', at(30)); // at `to`: left out
      await store.jobs.cancel({ id: (await insertJob(store, { queue: 'q2' })).id, now: at(12) });
      await jobInState(store, 'failed', { queue: 'q3' }, { finishedAt: at(11) }); // not finished
      const counts = await store.jobs.countFinishedByInterval({ from: at(10), to: at(30), intervalMs: 5000 });
      const sorted = [...counts].sort((a, b) => a.from.getTime() - b.from.getTime() || a.queue.localeCompare(b.queue) || a.state.localeCompare(b.state));
      expect(sorted).toEqual([
        { queue: 'q1', state: 'succeeded', count: 2, from: at(10) },
        { queue: 'q2', state: 'cancelled', count: 1, from: at(10) },
        { queue: 'q1', state: 'dead', count: 1, from: at(15) },
        { queue: 'q2', state: 'succeeded', count: 1, from: at(25) },
      ]);
    });

    group.test('refuses an interval that is not a whole positive number of milliseconds', async ({ store }) => {
      await expect(store.jobs.countFinishedByInterval({ from: at(0), to: at(1), intervalMs: 0 })).rejects.toThrow(/intervalMs: must be an integer ≥ 1/);
    });
  });

  suite.group('jobs.list', { migrate: true }, (group) => {
    group.test('lists newest first', async ({ store }) => {
      const first = await insertJob(store, { now: at(1) });
      const second = await insertJob(store, { now: at(2) });
      const third = await insertJob(store, { now: at(3) });
      const page = await store.jobs.list({ filter: {}, cursor: null, limit: 10 });
      expect(page).toEqual({ jobs: [third, second, first], nextCursor: null });
    });

    group.test('filters by states, task and queue', async ({ store }) => {
      const aQ1 = await insertJob(store, { task: 'a', queue: 'q1', now: at(1) });
      const aQ2 = await insertJob(store, { task: 'a', queue: 'q2', now: at(2) });
      const bQ1 = await insertJob(store, { task: 'b', queue: 'q1', now: at(3) });
      const aQ1Scheduled = await insertJob(store, { task: 'a', queue: 'q1', runAt: at(500), now: at(4) });
      const cancelled = await insertJob(store, { task: 'b', queue: 'q2', now: at(5) });
      await store.jobs.cancel({ id: cancelled.id, now: at(5) });
      const ids = async (filter: JobListFilter) =>
        (await store.jobs.list({ filter, cursor: null, limit: 100 })).jobs.map((job) => job.id);
      expect(await ids({ task: 'a' })).toEqual([aQ1Scheduled.id, aQ2.id, aQ1.id]);
      expect(await ids({ queue: 'q1' })).toEqual([aQ1Scheduled.id, bQ1.id, aQ1.id]);
      expect(await ids({ states: ['queued'] })).toEqual([bQ1.id, aQ2.id, aQ1.id]);
      expect(await ids({ states: ['scheduled', 'cancelled'] })).toEqual([cancelled.id, aQ1Scheduled.id]);
      expect(await ids({ states: ['queued'], task: 'a', queue: 'q1' })).toEqual([aQ1.id]);
      expect(await ids({ task: 'missing' })).toEqual([]);
    });

    group.test('cursor pagination walks every job once and ends with a null cursor', async ({ store }) => {
      const inserted: Job[] = [];
      // Batches of jobs created at the same instant, so the cursor has to order ties too.
      for (let batch = 0; batch < 5; batch += 1) {
        const results = await store.jobs.insertMany({
          jobs: Array.from({ length: 5 }, (_, i) => jobInsert({ input: { batch, i } })),
          now: at(batch),
        });
        inserted.push(...results.map((r) => r.job));
      }
      inserted.push(await insertJob(store, { now: at(10) }), await insertJob(store, { now: at(11) }));
      const pages = await walk(store, {}, 5);
      const listed = pages.flat();
      expect(pages.slice(0, -1).map((page) => page.length), 'sizes of every page but the last').toEqual(
        pages.slice(0, -1).map(() => 5),
      );
      expect(pages.length).toBeLessThanOrEqual(Math.ceil(inserted.length / 5) + 1);
      expect(listed.map((job) => job.id).sort(compareIds)).toEqual(inserted.map((job) => job.id).sort(compareIds));
      expectNewestFirst(listed);
    });

    group.test('a cursor no listing returned is refused with a ConveyorConfigError naming it', async ({ store }) => {
      for (const cursor of ['not-a-cursor', '-1', '1.5', '']) {
        await expect(store.jobs.list({ filter: {}, cursor, limit: 10 })).rejects.toThrow(ConveyorConfigError);
        await expect(store.jobs.list({ filter: {}, cursor, limit: 10 })).rejects.toThrow(/listJobs cursor/);
      }
    });

    group.test('cursor pagination keeps the filter on every page', async ({ store }) => {
      const wanted: Job[] = [];
      for (let i = 0; i < 9; i += 1) {
        wanted.push(await insertJob(store, { task: 'a', now: at(i) }));
        await insertJob(store, { task: 'b', now: at(i) });
      }
      const listed = (await walk(store, { task: 'a' }, 4)).flat();
      expect(listed.map((job) => job.id)).toEqual([...wanted].reverse().map((job) => job.id));
    });

    group.test('jobs inserted during a walk do not make it repeat or skip jobs', async ({ store }) => {
      const existing: Job[] = [];
      for (let i = 0; i < 12; i += 1) existing.push(await insertJob(store, { now: at(i) }));
      const pages = await walk(store, {}, 4, async (pageNumber) => {
        if (pageNumber === 0) {
          for (let i = 0; i < 3; i += 1) await insertJob(store, { now: at(100 + i) });
        }
      });
      expect(pages.flat().map((job) => job.id)).toEqual([...existing].reverse().map((job) => job.id));
    });
  });
};
