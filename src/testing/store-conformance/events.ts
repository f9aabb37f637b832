/**
 * The job event log (`events.list`, `events.bounds`, `events.prune`): one event per insert and per
 * change of a job's state or progress, written by the store itself, readable in seq order by any
 * store on the same database, and prunable in bounded calls.
 */
import { expect } from 'vitest';
import { ConveyorConfigError } from '../../errors.js';
import { JOB_TRANSITIONS } from '../../job.js';
import { jobCancelled, jobFailed, jobSucceeded } from '../../store/state-updates.js';
import type { JobEvent, Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { applyUpdate, at, attemptError, attemptRef, claimJob, getJob, insertFlow, insertJob, jobInState, runJob, t0, WORKER_A } from './helpers.js';

/** Every event in the log, lowest seq first, read in small pages so paging is exercised too. */
export async function allEvents(store: Store): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  for (;;) {
    const page = await store.events.list({ afterSeq: events.at(-1)?.seq ?? null, limit: 3 });
    events.push(...page);
    if (page.length < 3) return events;
  }
}

/** The events of one job, as (state, attempt, progress fraction) triples. */
async function eventsOf(store: Store, jobId: string) {
  return (await allEvents(store)).filter((event) => event.jobId === jobId).map((event) => [event.state, event.attempt, event.progress?.fraction ?? null]);
}

/** Checks the seqs are increasing decimal strings. */
function expectIncreasing(events: JobEvent[]): void {
  for (const event of events) expect(event.seq).toMatch(/^\d+$/);
  for (let n = 1; n < events.length; n++) expect(BigInt(events[n]!.seq) > BigInt(events[n - 1]!.seq), `seq ${events[n]!.seq} after ${events[n - 1]!.seq}`).toBe(true);
}

export const eventTests: SuiteSection = (suite) => {
  suite.group('events.list', { migrate: true }, (group) => {
    group.test('an empty log lists nothing and has no bounds', async ({ store }) => {
      expect(await store.events.list({ afterSeq: null, limit: 10 })).toEqual([]);
      expect(await store.events.bounds()).toEqual({ oldestSeq: null, latestSeq: null });
    });

    group.test('logs the insert and every change of state or progress of a job, in order, with its task, queue, attempt and updatedAt', async ({ store }) => {
      const job = await insertJob(store, { task: 'mail.send', queue: 'mail' });
      const running = await claimJob(store, job, { now: at(1) });
      expect(await store.jobs.progressSet({ id: job.id, attempt: 1, workerId: WORKER_A, progress: { fraction: 0.5, message: 'half' }, now: at(2) })).toBe(true);
      await applyUpdate(store, jobFailed(attemptRef(running), at(3), attemptError(1, 'boom', at(3)), at(4)));
      await store.jobs.promoteDue({ now: at(4), limit: 10 });
      const again = await claimJob(store, job, { now: at(5) });
      await applyUpdate(store, jobSucceeded(attemptRef(again), at(6), { ok: true }));

      const events = await allEvents(store);
      expectIncreasing(events);
      expect(events.map(({ seq: _seq, ...event }) => event)).toEqual([
        { jobId: job.id, task: 'mail.send', queue: 'mail', state: 'queued', attempt: 0, progress: null, at: t0, artifact: null, step: null },
        { jobId: job.id, task: 'mail.send', queue: 'mail', state: 'running', attempt: 1, progress: null, at: at(1), artifact: null, step: null },
        { jobId: job.id, task: 'mail.send', queue: 'mail', state: 'running', attempt: 1, progress: { fraction: 0.5, message: 'half' }, at: at(2), artifact: null, step: null },
        { jobId: job.id, task: 'mail.send', queue: 'mail', state: 'failed', attempt: 1, progress: { fraction: 0.5, message: 'half' }, at: at(3), artifact: null, step: null },
        { jobId: job.id, task: 'mail.send', queue: 'mail', state: 'queued', attempt: 1, progress: { fraction: 0.5, message: 'half' }, at: at(4), artifact: null, step: null },
        { jobId: job.id, task: 'mail.send', queue: 'mail', state: 'running', attempt: 2, progress: null, at: at(5), artifact: null, step: null },
        { jobId: job.id, task: 'mail.send', queue: 'mail', state: 'succeeded', attempt: 2, progress: null, at: at(6), artifact: null, step: null },
      ]);
    });

    group.test('lease extensions and cancel requests of a running job log nothing; the cancel that ends it does', async ({ store }) => {
      const job = await jobInState(store, 'running');
      const before = (await allEvents(store)).length;
      await store.jobs.leaseExtend({ workerId: WORKER_A, leaseExpiresAt: at(120) });
      await store.jobs.cancel({ id: job.id, now: at(3) });
      expect((await getJob(store, job.id)).cancelRequestedAt).toEqual(at(3));
      expect((await allEvents(store)).length).toBe(before);
      // The worker saw the request and ended the attempt cancelled: that change is logged.
      expect(await applyUpdate(store, jobCancelled(attemptRef(job), at(5), null))).toBe(true);
      expect(await eventsOf(store, job.id)).toEqual([['queued', 0, null], ['running', 1, null], ['cancelled', 1, null]]);
      const queued = await insertJob(store, { task: 'other' });
      await store.jobs.cancel({ id: queued.id, now: at(4) });
      expect(await eventsOf(store, queued.id)).toEqual([['queued', 0, null], ['cancelled', 0, null]]);
    });

    group.test('a flow logs one event per job it inserts, and a settled parent logs its release', async ({ store }) => {
      const [root, child] = await insertFlow(store, [{}, {}]);
      expect(await eventsOf(store, root.id)).toEqual([['waiting', 0, null]]);
      expect(await eventsOf(store, child.id)).toEqual([['queued', 0, null]]);
      await runJob(store, child, 'succeeded', { now: at(1) });
      expect(await eventsOf(store, root.id)).toEqual([['waiting', 0, null], ['queued', 0, null]]);
    });

    group.test('a scheduled job, its promotion, a retry and a dead end each log their state; every change is one JOB_TRANSITIONS allows', async ({ store }) => {
      const job = await insertJob(store, { runAt: at(10), maxAttempts: 1 });
      await store.jobs.promoteDue({ now: at(10), limit: 10 });
      await runJob(store, job, 'dead', { now: at(11) });
      await store.jobs.retry({ id: job.id, now: at(12) });
      const states = (await eventsOf(store, job.id)).map(([state]) => state);
      expect(states).toEqual(['scheduled', 'queued', 'running', 'dead', 'queued']);
      for (let n = 1; n < states.length; n++) expect(JOB_TRANSITIONS[states[n - 1] as keyof typeof JOB_TRANSITIONS]).toContain(states[n]);
    });

    group.test('afterSeq and limit page through the log; the bounds name its first and last seq', async ({ store }) => {
      for (let n = 0; n < 5; n++) await insertJob(store, { input: { n } });
      const all = await store.events.list({ afterSeq: null, limit: 100 });
      expect(all).toHaveLength(5);
      expectIncreasing(all);
      expect(await store.events.list({ afterSeq: all[1]!.seq, limit: 2 })).toEqual(all.slice(2, 4));
      expect(await store.events.list({ afterSeq: all[4]!.seq, limit: 2 })).toEqual([]);
      expect(await store.events.bounds()).toEqual({ oldestSeq: all[0]!.seq, latestSeq: all[4]!.seq });
    });

    group.test('an afterSeq that is not a decimal seq is refused, naming the parameter', async ({ store }) => {
      await expect(store.events.list({ afterSeq: '12; DROP TABLE', limit: 1 })).rejects.toThrow(/afterSeq: must be a decimal event seq/);
      await expect(store.events.list({ afterSeq: '-1', limit: 1 })).rejects.toThrow(ConveyorConfigError);
    });

    group.test('a zero or negative limit lists nothing', async ({ store }) => {
      await insertJob(store);
      for (const limit of [0, -1, -100]) expect(await store.events.list({ afterSeq: null, limit }), `limit ${limit}`).toEqual([]);
      expect(await store.events.list({ afterSeq: null, limit: 1 })).toHaveLength(1);
    });

    group.test('events written through one store are read through another on the same database', async ({ store, harness }) => {
      const other = await harness.openAnother();
      const job = await insertJob(other, { task: 'elsewhere' });
      expect((await store.events.list({ afterSeq: null, limit: 10 })).map((event) => event.jobId)).toEqual([job.id]);
    });
  });

  suite.group('events.prune', { migrate: true }, (group) => {
    group.test('deletes events older than the cut-off, oldest first, looking at no more than limit events', async ({ store }) => {
      for (let n = 0; n < 4; n++) await insertJob(store, { input: { n }, now: at(n) });
      const all = await allEvents(store);
      expect(await store.events.prune({ before: at(3), limit: 2 })).toBe(2);
      expect(await allEvents(store)).toEqual(all.slice(2));
      expect(await store.events.prune({ before: at(3), limit: 100 })).toBe(1);
      expect(await store.events.prune({ before: at(3), limit: 100 })).toBe(0);
      expect(await allEvents(store)).toEqual(all.slice(3));
    });

    group.test('a zero or negative limit deletes nothing', async ({ store }) => {
      for (let n = 0; n < 3; n++) await insertJob(store, { input: { n }, now: at(n) });
      const all = await allEvents(store);
      for (const limit of [0, -1, -100]) expect(await store.events.prune({ before: at(100), limit }), `limit ${limit}`).toBe(0);
      expect(await allEvents(store)).toEqual(all);
      expect(await store.events.prune({ before: at(100), limit: 100 })).toBe(3);
    });

    group.test('a seq is never reused, even after pruning empties the log', async ({ store }) => {
      await insertJob(store, { now: at(0) });
      const { latestSeq } = await store.events.bounds();
      expect(await store.events.prune({ before: at(100), limit: 100 })).toBe(1);
      expect(await store.events.bounds()).toEqual({ oldestSeq: null, latestSeq: null });
      await insertJob(store, { now: at(101), input: { n: 2 } });
      const [event] = await allEvents(store);
      expect(BigInt(event!.seq) > BigInt(latestSeq!)).toBe(true);
    });
  });
};
