/** A job's timeline, derived from its timestamps and errors. */
import { describe, expect, it } from 'vitest';
import type { Job } from '../job.js';
import type { StepRecord } from '../store/store-records.js';
import { jobTimeline } from './job-timeline.js';

const t = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds));

function job(fields: Partial<Job>): Job {
  return {
    id: '1', task: 'report.export', queue: 'reports', input: {}, state: 'queued', priority: 0, runAt: t(0), attempt: 0, maxAttempts: 3,
    dedupKey: null, flowId: null, parentId: null, onChildFailure: 'fail', hasChildren: false, concurrencyKey: null, traceContext: null, progress: null, result: null, errors: [],
    workerId: null, leaseExpiresAt: null, cancelRequestedAt: null, createdAt: t(0), startedAt: null, finishedAt: null, updatedAt: t(0),
    ...fields,
  };
}

describe('jobTimeline', () => {
  it('tells a dead job from enqueue to its end, oldest first', () => {
    const errors = [1, 2, 3].map((attempt) => ({ attempt, message: `timeout ${attempt}`, stack: null, at: t(attempt * 10 + 5) }));
    const timeline = jobTimeline(job({ state: 'dead', attempt: 3, errors, runAt: t(30), startedAt: t(30), finishedAt: t(35), workerId: 'w1' }));
    expect(timeline.map((entry) => `${entry.kind}@${entry.at.getUTCSeconds()}`)).toEqual([
      'enqueued@0', 'attempt-failed@15', 'attempt-failed@25', 'attempt-started@30', 'attempt-failed@35', 'finished@35',
    ]);
    // A retried job's runAt moved: it was not scheduled at enqueue.
    expect(timeline[0]).toEqual({ kind: 'enqueued', at: t(0), runAt: null });
  });

  it('shows a scheduled run-at, the running worker, a retry due and a cancel request', () => {
    expect(jobTimeline(job({ state: 'scheduled', runAt: t(50) }))).toEqual([{ kind: 'enqueued', at: t(0), runAt: t(50) }]);
    expect(jobTimeline(job({ state: 'running', attempt: 1, startedAt: t(2), workerId: 'w9', cancelRequestedAt: t(4) }))).toEqual([
      { kind: 'enqueued', at: t(0), runAt: null },
      { kind: 'attempt-started', at: t(2), attempt: 1, workerId: 'w9' },
      { kind: 'cancel-requested', at: t(4) },
    ]);
    const retrying = jobTimeline(job({ state: 'failed', attempt: 1, startedAt: t(1), runAt: t(20), errors: [{ attempt: 1, message: 'x', stack: null, at: t(3) }] }));
    expect(retrying.at(-1)).toEqual({ kind: 'retry-due', at: t(20), attempt: 2 });
  });

  it('a job that left the worker in a sleep and a wait shows both, and no run-at from its enqueue', () => {
    const step = (fields: Partial<StepRecord>): StepRecord => ({
      jobId: '1', name: 's', kind: 'run', status: 'succeeded', attempt: 1, output: null, error: null, startedAt: t(1), finishedAt: t(1), until: null, event: null, match: null, ...fields,
    });
    const steps = [
      step({ name: 'query', startedAt: t(1) }),
      step({ name: 'quiet', kind: 'sleep', startedAt: t(2), until: t(20), finishedAt: t(21) }),
      step({ name: 'approval', kind: 'wait', status: 'waiting', startedAt: t(22), until: t(59), finishedAt: null, event: 'export.approved' }),
    ];
    // Snoozed into `scheduled`: attempt not counted, startedAt cleared, runAt the wait's deadline.
    const waiting = job({ state: 'scheduled', attempt: 0, runAt: t(59), updatedAt: t(22) });
    expect(jobTimeline(waiting, steps)).toEqual([
      { kind: 'enqueued', at: t(0), runAt: null },
      { kind: 'slept', at: t(2), step: 'quiet', until: t(20) },
      { kind: 'waited', at: t(22), step: 'approval', event: 'export.approved', until: t(59) },
    ]);
  });
});
