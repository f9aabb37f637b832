/**
 * `traceContext` (issue 20, OpenTelemetry): the enqueuing span's context a job carries, so each of
 * its attempts continues that trace. Stored as given on every insert path (single and bulk, flows,
 * schedule firings), returned by every read, kept through claims, failures and retries; null when
 * not given.
 */
import { expect } from 'vitest';
import { jobDead } from '../../store/state-updates.js';
import type { SuiteSection } from './context.js';
import { applyUpdate, at, attemptError, attemptRef, claimJob, getJob, insertFlow, insertJob, jobInsert, single, t0 } from './helpers.js';

/** What `tracing/carrier.ts` writes: a bare traceparent, or a JSON carrier when there is more. */
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const JSON_CARRIER = JSON.stringify({ traceparent: TRACEPARENT, tracestate: 'vendor=a1;b=2', baggage: 'user=42' });

export const traceContextTests: SuiteSection = (suite) => {
  suite.group('jobs.traceContext', { migrate: true }, (group) => {
    group.test('is null when the insert carries none, and stored as given otherwise', async ({ store }) => {
      const results = await store.jobs.insertMany({
        jobs: [jobInsert(), jobInsert({ traceContext: TRACEPARENT }), jobInsert({ traceContext: JSON_CARRIER })],
        now: t0,
      });
      expect(results.map((result) => result.job.traceContext)).toEqual([null, TRACEPARENT, JSON_CARRIER]);
      for (const { job } of results) expect((await getJob(store, job.id)).traceContext).toBe(job.traceContext);
    });

    group.test('is read by list, summary list and claim', async ({ store }) => {
      const job = await insertJob(store, { traceContext: TRACEPARENT });
      const listed = await store.jobs.list({ filter: {}, cursor: null, limit: 10 });
      expect(single(listed.jobs, 'listed jobs').traceContext).toBe(TRACEPARENT);
      const summaries = await store.jobs.summaryList({ filter: {}, cursor: null, limit: 10, previewChars: 10, messageChars: 10 });
      expect(single(summaries.jobs, 'summaries').traceContext).toBe(TRACEPARENT);
      expect((await claimJob(store, job)).traceContext).toBe(TRACEPARENT);
    });

    group.test('stays through a dead end and a retry, so every attempt continues the same trace', async ({ store }) => {
      const job = await insertJob(store, { traceContext: TRACEPARENT, maxAttempts: 1 });
      const claimed = await claimJob(store, job, { now: at(1) });
      await applyUpdate(store, jobDead(attemptRef(claimed), at(2), attemptError(1, 'boom', at(2))));
      const retried = await store.jobs.retry({ id: job.id, now: at(3) });
      expect(retried?.traceContext).toBe(TRACEPARENT);
      expect((await claimJob(store, job, { now: at(4) })).traceContext).toBe(TRACEPARENT);
    });

    group.test('a duplicate enqueue returns the holder with its own trace context', async ({ store }) => {
      const first = await insertJob(store, { dedupKey: 'k', traceContext: TRACEPARENT });
      const [again] = await store.jobs.insertMany({ jobs: [jobInsert({ dedupKey: 'k', traceContext: JSON_CARRIER })], now: t0 });
      expect(again).toMatchObject({ duplicate: true, job: { id: first.id, traceContext: TRACEPARENT } });
    });

    group.test('flows store each job’s trace context', async ({ store }) => {
      const [root, child, untraced] = await insertFlow(store, [{ traceContext: TRACEPARENT }, { parentIndex: 0, traceContext: JSON_CARRIER }, { parentIndex: 0 }]);
      expect([root.traceContext, child.traceContext, untraced.traceContext]).toEqual([TRACEPARENT, JSON_CARRIER, null]);
      const flow = await store.flows.get({ id: root.id });
      expect(flow.map((job) => job.traceContext)).toEqual([TRACEPARENT, JSON_CARRIER, null]);
    });

    group.test('a schedule firing stores its job’s trace context', async ({ store }) => {
      await store.schedules.upsert({
        schedule: { name: 'traced', task: 'conformance.task', queue: 'default', cron: '* * * * *', timeZone: 'UTC', input: {}, missed: 'skip', nextRunAt: at(60) },
        now: at(0),
      });
      const fired = await store.schedules.fire({
        name: 'traced',
        expectedNextRunAt: at(60),
        tick: at(60),
        nextRunAt: at(120),
        job: jobInsert({ runAt: at(61), dedupKey: 'schedule:traced:60', traceContext: TRACEPARENT }),
        now: at(61),
      });
      expect(fired.job?.traceContext).toBe(TRACEPARENT);
    });
  });
};
