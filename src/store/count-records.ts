/** What the stores' counting reads return (`jobs.countByGroup`, `countKept`, `countFailures`, `failureTimes`, `countFinishedSince`). */
import type { JobState } from '../job.js';

/** Jobs counted by (task, queue, state). */
export interface JobStateCount {
  task: string;
  queue: string;
  state: JobState;
  count: number;
}

/** Jobs counted by (task, queue, state) from their rows, with the oldest. */
export interface JobCount extends JobStateCount {
  /** `createdAt` of the oldest job in the group. */
  oldestCreatedAt: Date;
}

/** Failed and dead jobs counted by fingerprint, task, queue and state (`jobs.countFailures`). */
export interface FailureCount {
  fingerprint: string | null;
  task: string;
  queue: string;
  state: 'failed' | 'dead';
  count: number;
}

/** See `jobs.failureTimes`. */
export interface FailureTimes {
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** How many of the fingerprint's failed and dead jobs last failed at or after `since`. */
  recent: number;
  /** The newest of them. */
  sampleJobId: string;
}

/** Jobs of one queue that reached one final state, counted by `jobs.countFinishedSince`. */
export interface JobFinishedCount {
  queue: string;
  state: 'succeeded' | 'dead' | 'cancelled';
  count: number;
}
