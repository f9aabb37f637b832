/**
 * How a worker spaces its retries of store calls that failed (claims, outcome writes): exponential,
 * capped, and half of each delay drawn at random, so the workers that lost the store together do not
 * all come back in the same instant.
 */
import { backoffDelayMs } from '../retry.js';

/** No retry of a store call waits longer than this. */
export const STORE_RETRY_MAX_MS = 5_000;

/**
 * Delay before retrying after `failures` consecutive failures (1-based): `initialMs · 2^(failures−1)`,
 * capped at `STORE_RETRY_MAX_MS`, then scaled by a random factor in (0.5, 1] (`random` returns [0, 1)).
 */
export function storeRetryDelayMs(failures: number, initialMs: number, random: () => number = Math.random): number {
  return backoffDelayMs({ initialMs, factor: 2, maxMs: STORE_RETRY_MAX_MS, jitter: 0.5 }, failures, random);
}
