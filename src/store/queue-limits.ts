/**
 * How many jobs a claim may take from a limited queue, from the counts the store read under the
 * queue's claim lock. Both stores use it, so they cannot disagree about the arithmetic.
 */
import type { QueueLimits } from './store.js';

/** Counts of one queue, read in the transaction that claims from it. */
export interface QueueLoad {
  /** Jobs of the queue running now, in every process. */
  running: number;
  /** Starts recorded for the queue inside the rate interval ending now. */
  recentStarts: number;
}

/** True when claims of the queue must go through the serialised, counting path. */
export function hasQueueLimits(limits: QueueLimits): boolean {
  return limits.concurrency !== null || limits.perKey !== null || limits.rate !== null;
}

/** At most `requested`, and never more than the queue's concurrency or rate limit leaves free. */
export function claimAllowance(limits: QueueLimits, load: QueueLoad, requested: number): number {
  let allowed = requested;
  if (limits.concurrency !== null) allowed = Math.min(allowed, limits.concurrency - load.running);
  if (limits.rate !== null) allowed = Math.min(allowed, limits.rate.limit - load.recentStarts);
  return Math.max(0, allowed);
}

/**
 * Starts are pruned this long after they left the rate interval, not at once: claims carry their
 * own clocks and take turns in lock order, so a claim whose `now` is a little behind another's
 * must still find every start of its own interval.
 */
const STARTS_KEPT_PAST_INTERVAL_MS = 60_000;

/** Starts of a queue at or before this time can be deleted by a claim at `now`. */
export function startsPruneBefore(now: number, intervalMs: number): number {
  return now - intervalMs - STARTS_KEPT_PAST_INTERVAL_MS;
}

/** Limits as the stores keep them in a queue row (NULL = none). */
export interface QueueLimitColumns {
  concurrency_limit: number | null;
  key_concurrency_limit: number | null;
  rate_limit: number | null;
  rate_interval_ms: number | null;
}

export function limitsFromColumns(row: QueueLimitColumns): QueueLimits {
  return {
    concurrency: row.concurrency_limit,
    perKey: row.key_concurrency_limit,
    rate: row.rate_limit === null || row.rate_interval_ms === null ? null : { limit: row.rate_limit, intervalMs: row.rate_interval_ms },
  };
}

export function limitsToColumns(limits: QueueLimits): QueueLimitColumns {
  return {
    concurrency_limit: limits.concurrency,
    key_concurrency_limit: limits.perKey,
    rate_limit: limits.rate?.limit ?? null,
    rate_interval_ms: limits.rate?.intervalMs ?? null,
  };
}
