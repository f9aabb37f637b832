/**
 * The state lists every statement of every store uses, as SQL, made from the constants of `job.ts`:
 * a new state, or a state moved between lists, changes every statement at once. The text is the
 * same as the predicates of the partial indexes in the migrations, word for word (SQLite uses a
 * partial index only when a query's WHERE visibly implies its predicate); `state-lists.test.ts`
 * checks that.
 */
import { CANCEL_AT_ONCE_STATES, CHILD_FAILURE_STATES, DEDUP_KEY_STATES, DUE_STATES, FINAL_STATES, RETRYABLE_STATES, UNFINISHED_STATES, type JobState } from '../job.js';

/** States as an SQL list, in the order given: `('waiting', 'scheduled')`. */
export function sqlStateList(states: readonly JobState[]): string {
  return `(${states.map((state) => `'${state}'`).join(', ')})`;
}

/** `FINAL_STATES`: succeeded, dead, cancelled. */
export const SQL_FINAL = sqlStateList(FINAL_STATES);
/** `UNFINISHED_STATES`: a child in one of these keeps its parent waiting. */
export const SQL_UNFINISHED = sqlStateList(UNFINISHED_STATES);
/** `DEDUP_KEY_STATES`: the states a dedup key is unique among. */
export const SQL_DEDUP_KEY = sqlStateList(DEDUP_KEY_STATES);
/** `CANCEL_AT_ONCE_STATES`: the states a cancel finishes at once. */
export const SQL_CANCEL_AT_ONCE = sqlStateList(CANCEL_AT_ONCE_STATES);
/** `RETRYABLE_STATES`: the states a retry queues a job again from. */
export const SQL_RETRYABLE = sqlStateList(RETRYABLE_STATES);
/** `DUE_STATES`: the states maintenance promotes once `run_at` has come. */
export const SQL_DUE = sqlStateList(DUE_STATES);
/** `CHILD_FAILURE_STATES`: the states in which a child fails its parent. */
export const SQL_CHILD_FAILURE = sqlStateList(CHILD_FAILURE_STATES);
