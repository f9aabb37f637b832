/**
 * How an attempt ended, and the one function that maps that to the job's next state.
 * Every decision about retrying, dying or giving a job back is made here and nowhere else.
 */
import { PermanentJobError } from '../errors.js';
import { JobSnooze } from '../handler-outcomes.js';
import type { Job, JobAttemptError } from '../job.js';
import { backoffDelayMs, type BackoffPolicy } from '../retry.js';
import { type AttemptRef, jobCancelled, jobDead, jobFailed, jobReleased, jobSnoozed, jobSucceeded } from '../store/state-updates.js';
import type { JobStateUpdate } from '../store/store.js';

/** Why a worker aborted a handler through its signal. */
export type AbortReason = 'timeout' | 'cancel' | 'shutdown' | 'lease-lost';

export type AttemptOutcome =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'aborted'; reason: AbortReason; timeoutMs: number };

/**
 * The state update for an attempt's outcome, or null when the worker must not record anything
 * (it lost the lease: another worker owns the job now).
 */
export function outcomeToUpdate(job: Job, workerId: string, outcome: AttemptOutcome, backoff: BackoffPolicy, now: Date): JobStateUpdate | null {
  const ref: AttemptRef = { id: job.id, attempt: job.attempt, workerId };
  switch (outcome.kind) {
    case 'returned': {
      const result = toJsonResult(outcome.value);
      if (result.ok) return jobSucceeded(ref, now, result.value);
      return failure(job, ref, attemptError(job, result.error, now), backoff, now);
    }
    case 'threw': {
      if (outcome.error instanceof JobSnooze) return jobSnoozed(ref, now, new Date(now.getTime() + outcome.error.delayMs));
      const error = attemptError(job, outcome.error, now);
      if (outcome.error instanceof PermanentJobError) return jobDead(ref, now, error);
      return failure(job, ref, error, backoff, now);
    }
    case 'aborted':
      switch (outcome.reason) {
        case 'timeout':
          return failure(job, ref, attemptError(job, new Error(`Timed out after ${outcome.timeoutMs} ms; the handler was aborted`), now), backoff, now);
        case 'cancel':
          return jobCancelled(ref, now, attemptError(job, new Error('Cancelled while running; the handler was aborted'), now));
        case 'shutdown':
          return jobReleased(ref, now);
        case 'lease-lost':
          return null;
      }
  }
}

function failure(job: Job, ref: AttemptRef, error: JobAttemptError, backoff: BackoffPolicy, now: Date): JobStateUpdate {
  if (job.attempt >= job.maxAttempts) return jobDead(ref, now, error);
  return jobFailed(ref, now, error, new Date(now.getTime() + backoffDelayMs(backoff, job.attempt)));
}

export function attemptError(job: Pick<Job, 'attempt'>, thrown: unknown, at: Date): JobAttemptError {
  if (thrown instanceof Error) return { attempt: job.attempt, message: thrown.message || thrown.name, stack: thrown.stack ?? null, at };
  return { attempt: job.attempt, message: `Non-error thrown: ${safeString(thrown)}`, stack: null, at };
}

function toJsonResult(value: unknown): { ok: true; value: unknown } | { ok: false; error: Error } {
  if (value === undefined || value === null) return { ok: true, value: null };
  try {
    if (JSON.stringify(value) === undefined) throw new Error(`a ${typeof value} has no JSON form`);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: new Error(`The handler's result is not JSON-serializable: ${(error as Error).message}`) };
  }
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
