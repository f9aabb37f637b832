/**
 * Lease recovery's one rule, for every store: a running job whose worker stopped renewing its lease
 * (killed, hung or cut off) ends cancelled when a cancel was requested, dead when that was its last
 * attempt, and otherwise goes back to its queue; the attempt counts, and its error says why. The
 * store reads the expired leases, this decides, and the store applies the update like a worker's.
 */
import type { JobAttemptError } from '../job.js';
import { jobCancelled, jobDead, jobRequeued } from './state-updates.js';
import type { JobStateUpdate } from './store.js';

/** A running job whose lease expired, as the store reads it. */
export interface ExpiredLease {
  id: string;
  attempt: number;
  maxAttempts: number;
  workerId: string;
  cancelRequested: boolean;
}

/** The update that settles one expired lease at `now`, fenced by the lease's attempt and worker. */
export function leaseRecoveryUpdate(lease: ExpiredLease, now: Date): JobStateUpdate {
  const ref = { id: lease.id, attempt: lease.attempt, workerId: lease.workerId };
  const error = leaseExpiredError(lease.workerId, lease.attempt, now);
  if (lease.cancelRequested) return jobCancelled(ref, now, error);
  if (lease.attempt >= lease.maxAttempts) return jobDead(ref, now, error);
  return jobRequeued(ref, now, error);
}

/** The error a lease recovery records: the worker stopped renewing the lease of this attempt. */
export function leaseExpiredError(workerId: string, attempt: number, at: Date): JobAttemptError {
  return {
    attempt,
    message: `Lease expired: worker ${workerId} stopped renewing it (killed, hung or cut off) during attempt ${attempt}`,
    stack: null,
    at,
  };
}
