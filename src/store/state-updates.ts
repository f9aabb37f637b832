/**
 * The only way to build a `JobStateUpdate`: one constructor per outcome of a running attempt,
 * so no caller can assemble an update the state machine does not allow.
 */
import type { JobAttemptError } from '../job.js';
import type { JobStateUpdate } from './store.js';

/** Identifies one attempt of one job under one worker's lease. */
export interface AttemptRef {
  id: string;
  attempt: number;
  workerId: string;
}

export function jobSucceeded(ref: AttemptRef, at: Date, result: unknown): JobStateUpdate {
  return { kind: 'succeeded', ...pick(ref), at, result };
}

/** The attempt failed and the job will run again at `retryAt`. */
export function jobFailed(ref: AttemptRef, at: Date, error: JobAttemptError, retryAt: Date): JobStateUpdate {
  return { kind: 'failed', ...pick(ref), at, error, retryAt };
}

/** The attempt failed and the job will not run again. */
export function jobDead(ref: AttemptRef, at: Date, error: JobAttemptError): JobStateUpdate {
  return { kind: 'dead', ...pick(ref), at, error };
}

export function jobCancelled(ref: AttemptRef, at: Date, error: JobAttemptError | null): JobStateUpdate {
  return { kind: 'cancelled', ...pick(ref), at, error };
}

/** Hand the job back unstarted (worker shutting down): queued now, this attempt not counted. */
export function jobReleased(ref: AttemptRef, at: Date): JobStateUpdate {
  return { kind: 'released', ...pick(ref), at };
}

/** The handler snoozed: runs again at `runAt` (scheduled, or queued if due), this attempt not counted. */
export function jobSnoozed(ref: AttemptRef, at: Date, runAt: Date): JobStateUpdate {
  return { kind: 'snoozed', ...pick(ref), at, runAt };
}

/** Its lease expired with attempts left (lease recovery): queued again now, this attempt counted, with `error`. */
export function jobRequeued(ref: AttemptRef, at: Date, error: JobAttemptError): JobStateUpdate {
  return { kind: 'requeued', ...pick(ref), at, error };
}

function pick(ref: AttemptRef): AttemptRef {
  return { id: ref.id, attempt: ref.attempt, workerId: ref.workerId };
}
