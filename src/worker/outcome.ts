/**
 * How an attempt ended, and the one function that maps that to the job's next state.
 * Every decision about retrying, dying or giving a job back is made here and nowhere else.
 *
 * The mapping is total: whatever a handler threw or returned (values whose every property read
 * throws included) becomes an update the store can write, with text bounded in size and a result
 * that is plain JSON data, so nothing the handler made can throw out of the worker after it.
 */
import { PermanentJobError } from '../errors.js';
import { JobSnooze, MAX_SNOOZE_MS } from '../handler-outcomes.js';
import type { AbortReason, Job, JobAttemptError } from '../job.js';
import { backoffDelayMs, type BackoffPolicy } from '../retry.js';
import { type AttemptRef, jobCancelled, jobDead, jobFailed, jobReleased, jobSnoozed, jobSucceeded } from '../store/state-updates.js';
import type { JobStateUpdate } from '../store/store.js';
import { describeThrown, guarded } from './thrown-value.js';

/** The largest result a worker stores unless told otherwise: 1 MiB of JSON. */
export const DEFAULT_MAX_RESULT_BYTES = 1024 * 1024;

/** What outcomes the worker accepts from a handler. */
export interface OutcomeLimits {
  /** The largest result, in bytes of its JSON text; a larger one fails the attempt. */
  maxResultBytes: number;
}

const DEFAULT_LIMITS: OutcomeLimits = { maxResultBytes: DEFAULT_MAX_RESULT_BYTES };

export type { AbortReason } from '../job.js';

export type AttemptOutcome =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'aborted'; reason: AbortReason; timeoutMs: number };

/**
 * The state update for an attempt's outcome, or null when the worker must not record anything
 * (it lost the lease: another worker owns the job now).
 */
export function outcomeToUpdate(
  job: Job,
  workerId: string,
  outcome: AttemptOutcome,
  backoff: BackoffPolicy,
  now: Date,
  limits: OutcomeLimits = DEFAULT_LIMITS,
): JobStateUpdate | null {
  const ref: AttemptRef = { id: job.id, attempt: job.attempt, workerId };
  switch (outcome.kind) {
    case 'returned': {
      const result = toJsonResult(outcome.value, limits.maxResultBytes);
      if (result.ok) return jobSucceeded(ref, now, result.value);
      return failure(job, ref, attemptError(job, result.error, now), backoff, now);
    }
    case 'threw': {
      const snoozeMs = snoozeDelayMs(outcome.error);
      if (snoozeMs !== null) return jobSnoozed(ref, now, new Date(now.getTime() + snoozeMs));
      const error = attemptError(job, outcome.error, now);
      if (guarded(() => outcome.error instanceof PermanentJobError, false)) return jobDead(ref, now, error);
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

/**
 * The update recorded instead of `update` when the store refused to write it for what it holds
 * (text or JSON it cannot keep): the attempt failed, and its error says what the store said.
 */
export function refusedOutcomeUpdate(job: Job, update: JobStateUpdate, refusal: unknown, backoff: BackoffPolicy, now: Date): JobStateUpdate {
  const ref: AttemptRef = { id: update.id, attempt: update.attempt, workerId: update.workerId };
  const error = new Error(`The store refused this attempt's outcome (${update.kind}): ${describeThrown(refusal).message}`);
  return failure(job, ref, attemptError(job, error, now), backoff, now);
}

function failure(job: Job, ref: AttemptRef, error: JobAttemptError, backoff: BackoffPolicy, now: Date): JobStateUpdate {
  if (job.attempt >= job.maxAttempts) return jobDead(ref, now, error);
  return jobFailed(ref, now, error, new Date(now.getTime() + backoffDelayMs(backoff, job.attempt)));
}

/** The error history entry for a thrown value: a readable message and stack, bounded in size. Never throws. */
export function attemptError(job: Pick<Job, 'attempt'>, thrown: unknown, at: Date): JobAttemptError {
  return { attempt: job.attempt, ...describeThrown(thrown), at };
}

/** The delay a thrown snooze asks for, or null when `thrown` is no snooze (or one whose delay cannot be read). */
function snoozeDelayMs(thrown: unknown): number | null {
  if (!guarded(() => thrown instanceof JobSnooze, false)) return null;
  const delayMs = guarded(() => (thrown as JobSnooze).delayMs, Number.NaN);
  return Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= MAX_SNOOZE_MS ? delayMs : null;
}

/**
 * The result as plain JSON data: serialised once here (a `toJSON` or getter of the handler's runs
 * now, not again in the store) and read back, so the store writes data that cannot throw.
 */
function toJsonResult(value: unknown, maxBytes: number): { ok: true; value: unknown } | { ok: false; error: Error } {
  if (value === undefined || value === null) return { ok: true, value: null };
  let text: unknown;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    return { ok: false, error: new Error(`The handler's result is not JSON-serializable: ${describeThrown(error).message}`) };
  }
  if (typeof text !== 'string') return { ok: false, error: new Error(`The handler's result is not JSON-serializable: a ${typeof value} has no JSON form`) };
  const bytes = text.length * 3 <= maxBytes ? text.length : Buffer.byteLength(text);
  if (bytes > maxBytes) {
    return {
      ok: false,
      error: new Error(
        `The handler's result is ${bytes.toLocaleString('en-US')} bytes of JSON, over the limit of ${maxBytes.toLocaleString('en-US')} bytes ` +
          '(worker option maxResultBytes); keep large outputs elsewhere and return a reference to them',
      ),
    };
  }
  return { ok: true, value: JSON.parse(text) as unknown };
}
