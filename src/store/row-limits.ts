/**
 * Turning the counts and lists callers pass into what a statement can take, the same on every
 * store: a whole, non-negative row count, and a list without repeats.
 */

/** Job ids are below this; the first page of a listing asks for ids below it. */
export const NO_CURSOR = Number.MAX_SAFE_INTEGER;

/** A whole, non-negative row count: SQLite reads a negative LIMIT as "no limit", and both stores reject fractions. */
export function boundedLimit(limit: number): number {
  return Number.isNaN(limit) ? 0 : Math.max(0, Math.floor(Math.min(limit, NO_CURSOR)));
}

/** The values in their first order, each once. */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
