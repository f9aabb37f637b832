/** A job's timeline, derived from its timestamps and errors. */
import { describe, expect, it } from 'vitest';
import type { Job } from '../job.js';
import { jobTimeline } from './job-timeline.js';

const t = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds));

function job(fields: Partial<Job>): Job {
  return {
    id: '1', task: 'report.export', queue: 'reports', input: {}, state: 'queued', priority: 0, runAt: t(0), attempt: 0, maxAttempts: 3,
    dedupKey: null, flowId: null, parentId: null, onChildFailure: 'fail', hasChildren: false, concurrencyKey: null, progress: null, result: null, errors: [],
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
});
