/**
 * The counts the store keeps (`jobs.countKept`, `kept-counts.ts`). Besides these tests, the suite's
 * harness checks after every test of every migrated group that the kept counts equal a count of the
 * rows (`expectKeptCountsMatchRows`), so each state change the suite makes (inserts, claims, every
 * outcome, cancels, retries, run-now, lease recovery, promotion, flows settling, deletes and prunes)
 * is checked against them too; and that the failure counts by fingerprint equal those computed here
 * from each failed and dead job's latest error, so every statement that appends an error is checked
 * to write its fingerprint.
 */
import { expect } from 'vitest';
import { KEPT_COUNT_STATES } from '../../store/kept-counts.js';
import { latestErrorFingerprint } from '../../store/failure-fingerprints.js';
import type { FailureCount, JobStateCount, Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { byGroup, walk } from './list-count.js';
import { at, claimJob, finishClaimed, insertFlow, insertJob, jobInState, t0 } from './helpers.js';

/** By task, queue and state, as `countKept` and `countByGroup` return them. */
function sortedCounts(counts: readonly JobStateCount[]): JobStateCount[] {
  return byGroup(counts.map(({ task, queue, state, count }) => ({ task, queue, state, count })));
}

/** The kept counts of every kept state, after folding what there is to fold. */
async function keptCounts(store: Store): Promise<JobStateCount[]> {
  while ((await store.jobs.foldKeptCounts({ limit: 1000 })) > 0);
  return sortedCounts(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] }));
}

/**
 * Fails when the kept counts differ from a count of the rows, folded or not. Run by the harness
 * after every test of a migrated group (`context.ts`).
 */
export async function expectKeptCountsMatchRows(store: Store): Promise<void> {
  const rows = sortedCounts(await store.jobs.countByGroup({ states: [...KEPT_COUNT_STATES] }));
  expect(sortedCounts(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] })), 'kept counts before folding, against the rows').toEqual(rows);
  expect(await keptCounts(store), 'kept counts after folding, against the rows').toEqual(rows);
  expect(sortedFailures(await store.jobs.countFailures()), 'failure counts by fingerprint, against the failed and dead jobs').toEqual(await failuresOfRows(store));
}

/** Failed and dead jobs grouped by the fingerprint of their latest error, computed here from each job. */
async function failuresOfRows(store: Store): Promise<FailureCount[]> {
  const groups = new Map<string, FailureCount>();
  for (const page of await walk(store, { states: ['failed', 'dead'] }, 500)) {
    for (const job of page) {
      const fingerprint = latestErrorFingerprint(job.errors.at(-1)).fingerprint;
      const state = job.state as FailureCount['state'];
      const key = [fingerprint, job.task, job.queue, state].join('\u0000');
      const group = groups.get(key) ?? { fingerprint, task: job.task, queue: job.queue, state, count: 0 };
      group.count += 1;
      groups.set(key, group);
    }
  }
  return sortedFailures([...groups.values()]);
}

function sortedFailures(counts: readonly FailureCount[]): FailureCount[] {
  const key = (c: FailureCount) => [c.fingerprint ?? '', c.task, c.queue, c.state].join('\u0000');
  return [...counts].map(({ fingerprint, task, queue, state, count }) => ({ fingerprint, task, queue, state, count })).sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

export const keptCountTests: SuiteSection = (suite) => {
  suite.group('jobs.countKept', { migrate: true }, (group) => {
    group.test('counts waiting, scheduled, failed, dead and cancelled jobs by task, queue and state', async ({ store }) => {
      await jobInState(store, 'scheduled', { task: 'a', queue: 'q1' });
      await jobInState(store, 'scheduled', { task: 'a', queue: 'q1' });
      await jobInState(store, 'failed', { task: 'a', queue: 'q2' });
      await jobInState(store, 'dead', { task: 'b', queue: 'q1' });
      await jobInState(store, 'cancelled', { task: 'b', queue: 'q1' });
      await insertFlow(store, [{ task: 'parent', queue: 'flows' }, { task: 'child', queue: 'flows' }]);
      expect(await keptCounts(store)).toEqual([
        { task: 'a', queue: 'q1', state: 'scheduled', count: 2 },
        { task: 'a', queue: 'q2', state: 'failed', count: 1 },
        { task: 'b', queue: 'q1', state: 'cancelled', count: 1 },
        { task: 'b', queue: 'q1', state: 'dead', count: 1 },
        { task: 'parent', queue: 'flows', state: 'waiting', count: 1 },
      ]);
    });

    group.test('keeps no count of queued, running or succeeded jobs, and only the states asked for', async ({ store }) => {
      await jobInState(store, 'queued', { task: 'a' });
      await jobInState(store, 'running', { task: 'b' });
      await jobInState(store, 'succeeded', { task: 'c' });
      await jobInState(store, 'dead', { task: 'd' });
      await jobInState(store, 'failed', { task: 'e' });
      expect(await keptCounts(store)).toEqual([
        { task: 'd', queue: 'default', state: 'dead', count: 1 },
        { task: 'e', queue: 'default', state: 'failed', count: 1 },
      ]);
      expect(sortedCounts(await store.jobs.countKept({ states: ['dead'] }))).toEqual([{ task: 'd', queue: 'default', state: 'dead', count: 1 }]);
      expect(await store.jobs.countKept({ states: [] })).toEqual([]);
    });

    group.test('follows a job through retry, death, retry by hand, cancel and delete, and leaves out groups that emptied', async ({ store }) => {
      const job = await insertJob(store, { task: 'a', maxAttempts: 2, now: t0 });
      await finishClaimed(store, await claimJob(store, job, { now: at(1) }), 'failed', at(2), { retryAt: at(3) });
      expect(await keptCounts(store)).toEqual([{ task: 'a', queue: 'default', state: 'failed', count: 1 }]);
      expect(await store.jobs.promoteDue({ now: at(4), limit: 10 })).toBe(1);
      expect(await keptCounts(store)).toEqual([]);
      await finishClaimed(store, await claimJob(store, job, { now: at(5) }), 'dead', at(6));
      expect(await keptCounts(store)).toEqual([{ task: 'a', queue: 'default', state: 'dead', count: 1 }]);
      await store.jobs.retry({ id: job.id, now: at(7) });
      expect(await keptCounts(store)).toEqual([]);
      await store.jobs.cancel({ id: job.id, now: at(8) });
      expect(await keptCounts(store)).toEqual([{ task: 'a', queue: 'default', state: 'cancelled', count: 1 }]);
      expect(await store.jobs.deleteFinished({ ids: [job.id] })).toEqual([job.id]);
      expect(await keptCounts(store)).toEqual([]);
    });

    group.test('counts the changes not folded yet, and folding changes no count', async ({ store }) => {
      for (let i = 0; i < 5; i += 1) await jobInState(store, 'dead', { task: 'a' });
      await jobInState(store, 'scheduled', { task: 'b' });
      const unfolded = sortedCounts(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] }));
      expect(unfolded).toEqual([
        { task: 'a', queue: 'default', state: 'dead', count: 5 },
        { task: 'b', queue: 'default', state: 'scheduled', count: 1 },
      ]);
      // A fold of two at a time: the counts read the same between folds.
      let folded = 0;
      for (let round = 0; round < 20; round += 1) {
        const step = await store.jobs.foldKeptCounts({ limit: 2 });
        expect(step, 'changes folded in one call').toBeLessThanOrEqual(2);
        expect(sortedCounts(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] })), `counts after fold ${round}`).toEqual(unfolded);
        folded += step;
        if (step === 0) break;
      }
      expect(await store.jobs.foldKeptCounts({ limit: 100 }), 'a fold with nothing left').toBe(0);
      // SQLite changes its counts in place; PostgreSQL records one change per job that entered a kept state.
      expect([0, 6], 'changes folded in all').toContain(folded);
    });

    group.test('stays equal to the rows while two stores change jobs and fold side by side', async ({ store, harness }) => {
      const other = await harness.openAnother();
      const jobs = await Promise.all(Array.from({ length: 40 }, (_, i) => insertJob(store, { task: `t${i}`, maxAttempts: 1, now: t0 })));
      await Promise.all(
        jobs.map(async (job, i) => {
          const writer = i % 2 === 0 ? store : other;
          if (i % 4 === 3) {
            await writer.jobs.cancel({ id: job.id, now: at(2) });
            return;
          }
          const running = await claimJob(writer, job, { now: at(1) });
          await finishClaimed(writer, running, i % 4 === 0 ? 'dead' : 'succeeded', at(2));
          if (i % 8 === 0) await writer.jobs.foldKeptCounts({ limit: 3 });
        }),
      );
      await expectKeptCountsMatchRows(store);
      expect(await keptCounts(other)).toEqual(await keptCounts(store));
      expect((await keptCounts(store)).reduce((sum, c) => sum + c.count, 0), 'dead and cancelled jobs').toBe(20);
    });
  });

  suite.group('jobs.countFailures and failureTimes', { migrate: true }, (group) => {
    group.test('count failed and dead jobs by the fingerprint of their latest error, and time each fingerprint through its index', async ({ store }) => {
      const fail = async (task: string, message: string, outcome: 'failed' | 'dead', when: Date) => {
        const job = await insertJob(store, { task, now: t0 });
        await finishClaimed(store, await claimJob(store, job, { now: at(1) }), outcome, when, { message });
        return job;
      };
      const first = await fail('a', 'User 1 not found', 'dead', at(10));
      await fail('b', 'User 2 not found', 'failed', at(20));
      const newest = await fail('a', 'User 3 not found', 'dead', at(30));
      const other = await fail('a', 'Disk full', 'dead', at(40));
      const fingerprintOf = async (id: string) => latestErrorFingerprint((await store.jobs.get({ id }))?.errors.at(-1)).fingerprint;
      const userNotFound = await fingerprintOf(first.id);
      const diskFull = await fingerprintOf(other.id);
      expect(userNotFound).not.toBe(diskFull);
      while ((await store.jobs.foldKeptCounts({ limit: 1000 })) > 0);
      expect(sortedFailures(await store.jobs.countFailures())).toEqual(
        sortedFailures([
          { fingerprint: userNotFound, task: 'a', queue: 'default', state: 'dead', count: 2 },
          { fingerprint: userNotFound, task: 'b', queue: 'default', state: 'failed', count: 1 },
          { fingerprint: diskFull, task: 'a', queue: 'default', state: 'dead', count: 1 },
        ]),
      );
      expect(await store.jobs.failureTimes({ fingerprint: userNotFound, since: at(15) })).toEqual({ firstSeenAt: at(10), lastSeenAt: at(30), recent: 2, sampleJobId: newest.id });
      expect(await store.jobs.failureTimes({ fingerprint: diskFull, since: at(50) })).toEqual({ firstSeenAt: at(40), lastSeenAt: at(40), recent: 0, sampleJobId: other.id });
      expect(await store.jobs.failureTimes({ fingerprint: '0123456789abcdef', since: t0 })).toBeNull();
      // Retried, the newest leaves the group: its times follow.
      await store.jobs.retry({ id: newest.id, now: at(50) });
      expect(await store.jobs.failureTimes({ fingerprint: userNotFound, since: t0 })).toMatchObject({ lastSeenAt: at(20), recent: 2 });
      expect(await store.jobs.fingerprintFailures({ limit: 100 }), 'every failure was fingerprinted as it was written').toBe(0);
    });
  });
};