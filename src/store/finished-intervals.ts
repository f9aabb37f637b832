/** Rows of `jobs.countFinishedByInterval`, the same on every store. */
import { ConveyorConfigError } from '../errors.js';
import type { JobFinishedInInterval } from './store.js';

/** A group as the statement returns it: the interval as its index from `from`. */
export interface FinishedSlotRow {
  queue: string;
  state: JobFinishedInInterval['state'];
  slot: number;
  count: number;
}

export function checkIntervalMs(intervalMs: number): number {
  if (!Number.isInteger(intervalMs) || intervalMs < 1) {
    throw new ConveyorConfigError('jobs.countFinishedByInterval intervalMs', `must be an integer ≥ 1 of milliseconds, got ${String(intervalMs)}`, '300000');
  }
  return intervalMs;
}

export function finishedInInterval(row: FinishedSlotRow, from: Date, intervalMs: number): JobFinishedInInterval {
  return { queue: row.queue, state: row.state, count: row.count, from: new Date(from.getTime() + row.slot * intervalMs) };
}
