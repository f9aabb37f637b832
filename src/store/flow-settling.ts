/**
 * How every store settles a flow job whose children are all finished (the rules are in the
 * `FlowStore` comment): the store reads the waiting job and its first failed child, this decides,
 * and the store applies the decision with a compare-and-set on 'waiting'. One rule, one message,
 * for SQLite and PostgreSQL alike.
 */
import type { ChildFailurePolicy, JobAttemptError } from '../job.js';

/** A waiting job all of whose children are finished, as the store reads it. */
export interface SettleableJob {
  id: string;
  attempt: number;
  onChildFailure: ChildFailurePolicy;
}

/** The child that fails its parent: the lowest id among those that ended dead or cancelled. */
export interface FailedChild {
  id: string;
  task: string;
  state: 'dead' | 'cancelled';
  /** The message of its latest error; null when it has none (cancelled before it ran). */
  lastErrorMessage: string | null;
}

/** What settling does to one job: release it to run (queued, or scheduled while its `runAt` is ahead), or end it dead. */
export type SettleDecision = { kind: 'release'; id: string } | { kind: 'dead'; id: string; failedChildId: string; error: JobAttemptError };

/**
 * Dead, with one error naming the child, when the job fails with its children and one of them
 * failed; otherwise released.
 * @param failedChild the job's first failed child, or null when none of its children failed.
 */
export function settleDecision(job: SettleableJob, failedChild: FailedChild | null, now: Date): SettleDecision {
  if (job.onChildFailure !== 'fail' || failedChild === null) return { kind: 'release', id: job.id };
  const error = { attempt: job.attempt, message: childFailureMessage(failedChild), stack: null, at: now };
  return { kind: 'dead', id: job.id, failedChildId: failedChild.id, error };
}

/** The error a parent ends dead with: which child, of which task, ended how, and why. */
export function childFailureMessage(child: FailedChild): string {
  const name = `Child job ${child.id} (task "${child.task}")`;
  if (child.lastErrorMessage !== null) return `${name} ended ${child.state}: ${child.lastErrorMessage}`;
  return child.state === 'cancelled' ? `${name} was cancelled` : `${name} ended ${child.state}`;
}
