/**
 * Reading one page of a job listing on SQLite: which index to walk for a filter, so a page costs
 * the same however many jobs the other states, tasks and queues hold.
 */
import type { JobListFilter } from '../store/store.js';
import { unique } from '../store/row-limits.js';
import type * as sql from './queries.js';
import type { PreparedStatements } from './statements.js';

/** Where a page starts and ends: ids below `beforeId`, at or above `minId` (a text search's window floor; null: none), at most `limit` rows. */
export interface ListPageBounds {
  beforeId: number;
  minId: number | null;
  limit: number;
}

/**
 * The rows of one page, newest first, read by one of a listing's statements (`JOB_LIST` or
 * `JOB_SUMMARY_LIST`); `extra` is bound by name besides the filter.
 */
export function listJobRows<Row extends { id: number }>(
  db: PreparedStatements,
  statements: sql.JobListStatements,
  extra: Record<string, number>,
  filter: JobListFilter,
  { beforeId, minId, limit }: ListPageBounds,
): Row[] {
  const states = filter.states === undefined ? null : unique(filter.states);
  const task = filter.task ?? null;
  const queue = filter.queue ?? null;
  const rowFilters = {
    createdAfter: filter.createdAfter?.getTime() ?? null,
    createdBefore: filter.createdBefore?.getTime() ?? null,
    text: filter.text ?? null,
    minId,
    ...extra,
  };
  // Walk the smallest index that has the filter as its first column. Succeeded jobs outnumber
  // all others until they are pruned, so the state index leads unless succeeded is asked for.
  if (states !== null && (!states.includes('succeeded') || (task === null && queue === null))) {
    // The newest `limit` of each state, merged: the newest `limit` overall are among them.
    return states
      .flatMap((state) => db.all<Row>(statements.byState, { state, task, queue, ...rowFilters, beforeId, limit }))
      .sort((a, b) => b.id - a.id)
      .slice(0, limit);
  }
  const statesJson = states === null ? null : JSON.stringify(states);
  if (task !== null) return db.all<Row>(statements.byTask, { task, queue, states: statesJson, ...rowFilters, beforeId, limit });
  if (queue !== null) return db.all<Row>(statements.byQueue, { queue, states: statesJson, ...rowFilters, beforeId, limit });
  return db.all<Row>(statements.all, { ...rowFilters, beforeId, limit });
}
