/**
 * The job counts the store keeps: for the states jobs pile up in (waiting on children, scheduled,
 * retrying, dead, cancelled), each store keeps one count per (queue, task, state), changed by a
 * database trigger in the same transaction as every insert, state change and delete of a job, so a
 * page that shows them reads one row per group however many jobs there are. `queued` and `running`
 * are counted from their own indexes when asked (they are the hot path: a kept count would put a
 * write on every claim and completion) and `succeeded`, the history, is never counted whole.
 *
 * The list is written down here and in each store's migration (`0017_job_counts.sql` on SQLite,
 * `0019_job_counts.sql` on PostgreSQL); the conformance suite checks the kept counts against a count
 * of the rows after every one of its tests, on both stores.
 */
import type { JobState } from '../job.js';

export const KEPT_COUNT_STATES = ['waiting', 'scheduled', 'failed', 'dead', 'cancelled'] as const satisfies readonly JobState[];

export type KeptCountState = (typeof KEPT_COUNT_STATES)[number];

export function isKeptCountState(state: JobState): state is KeptCountState {
  return (KEPT_COUNT_STATES as readonly JobState[]).includes(state);
}

/** The states asked for, split into those the store keeps counts of and those it counts rows for. */
export function splitByKept(states: readonly JobState[]): { kept: KeptCountState[]; counted: JobState[] } {
  const unique = [...new Set(states)];
  return { kept: unique.filter(isKeptCountState), counted: unique.filter((state) => !isKeptCountState(state)) };
}
