/**
 * A job's history as a timeline. The store keeps a job's timestamps and one error per failed attempt
 * rather than a log of transitions, so the timeline is derived, oldest first: enqueued
 * (`createdAt`), the latest attempt's start (`startedAt`), each failed attempt (`errors[]`), the next
 * attempt of a job waiting to be retried, a cancel request, and the end (`finishedAt` with the final
 * state). Earlier attempts show through their errors; their starts are not recorded. A job with
 * durable steps also shows each time it left the worker to sleep or to wait for an event (from its
 * step rows): such a job goes back to `scheduled`, so its `runAt` is then the sleep's end or the wait's
 * deadline, not a run-at given at enqueue.
 */
import { isFinalState, type Job, type JobAttemptError, type JobState } from '../job.js';
import type { StepRecord } from '../store/store-records.js';

export type TimelineEntry =
  | { kind: 'enqueued'; at: Date; runAt: Date | null }
  | { kind: 'attempt-started'; at: Date; attempt: number; workerId: string | null }
  | { kind: 'attempt-failed'; at: Date; error: JobAttemptError }
  | { kind: 'retry-due'; at: Date; attempt: number }
  | { kind: 'cancel-requested'; at: Date }
  | { kind: 'finished'; at: Date; state: JobState }
  | { kind: 'slept'; at: Date; step: string; until: Date | null }
  | { kind: 'waited'; at: Date; step: string; event: string | null; until: Date | null };

/** A run-at this much after creation means the job was scheduled, not queued at once. */
const SCHEDULED_AFTER_MS = 1_000;

/** @param steps the job's durable steps (`conveyor.listSteps`), if it has any. */
export function jobTimeline(job: Job, steps: readonly StepRecord[] = []): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  // Before the first start, `runAt` is still the enqueue's; later, retries and snoozes move it. A
  // job that slept or waited in a step has started, though the snooze cleared its `startedAt`.
  const scheduled = job.startedAt === null && steps.length === 0 && job.runAt.getTime() - job.createdAt.getTime() > SCHEDULED_AFTER_MS;
  entries.push({ kind: 'enqueued', at: job.createdAt, runAt: scheduled ? job.runAt : null });
  if (job.startedAt !== null) entries.push({ kind: 'attempt-started', at: job.startedAt, attempt: job.attempt, workerId: job.state === 'running' ? job.workerId : null });
  for (const error of job.errors) entries.push({ kind: 'attempt-failed', at: error.at, error });
  if (job.state === 'failed') entries.push({ kind: 'retry-due', at: job.runAt, attempt: job.attempt + 1 });
  for (const step of steps) {
    if (step.kind === 'sleep') entries.push({ kind: 'slept', at: step.startedAt, step: step.name, until: step.until });
    if (step.kind === 'wait') entries.push({ kind: 'waited', at: step.startedAt, step: step.name, event: step.event, until: step.until });
  }
  if (job.cancelRequestedAt !== null) entries.push({ kind: 'cancel-requested', at: job.cancelRequestedAt });
  if (job.finishedAt !== null && isFinalState(job.state)) entries.push({ kind: 'finished', at: job.finishedAt, state: job.state });
  // `sort` is stable, so entries at the same instant keep the order above.
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
}
