/**
 * `conveyor.setQueueLimits(name, changes)`: checking the limits an operator asks for and merging
 * them into the queue's current ones before anything is written.
 */
import { ConveyorConfigError } from '../errors.js';
import type { QueueLimits } from '../store/store.js';

/** Changes to a queue's limits: a limit left out stays as it is; `null` removes it. */
export interface QueueLimitsOptions {
  /** At most this many of the queue's jobs run at once, across all workers of all processes. */
  concurrency?: number | null;
  /**
   * At most this many of the queue's jobs with the same concurrency key run at once. The key comes
   * from the task's `concurrencyKey(input)`; jobs without one are not limited by key.
   */
  perKey?: number | null;
  /** At most `limit` of the queue's jobs start in any window of `intervalMs` milliseconds, across all workers. */
  rate?: { limit: number; intervalMs: number } | null;
}

/** A queue without limits. */
export const NO_QUEUE_LIMITS: QueueLimits = Object.freeze({ concurrency: null, perKey: null, rate: null });

/** Limits are 32-bit integers, the range both stores keep exactly. */
const LIMIT_MAX = 2 ** 31 - 1;

/** The queue's limits after `changes`; throws `ConveyorConfigError` naming the first bad value. */
export function mergeQueueLimits(where: string, current: QueueLimits, changes: QueueLimitsOptions): QueueLimits {
  if (typeof changes !== 'object' || changes === null) {
    throw new ConveyorConfigError(where, `must be an object of limits, got ${String(changes)}`, '{ concurrency: 5, perKey: 2, rate: { limit: 20, intervalMs: 1000 } }');
  }
  const unknown = Object.keys(changes).filter((key) => !['concurrency', 'perKey', 'rate'].includes(key));
  if (unknown.length > 0) {
    throw new ConveyorConfigError(`${where}.${unknown[0]}`, 'is not a queue limit (they are concurrency, perKey and rate)', '{ perKey: 2 }');
  }
  return {
    concurrency: changes.concurrency === undefined ? current.concurrency : checkCount(`${where}.concurrency`, changes.concurrency, '5'),
    perKey: changes.perKey === undefined ? current.perKey : checkCount(`${where}.perKey`, changes.perKey, '2'),
    rate: changes.rate === undefined ? current.rate : checkRate(`${where}.rate`, changes.rate),
  };
}

function checkCount(setting: string, value: unknown, example: string): number | null {
  if (value === null) return null;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > LIMIT_MAX) {
    throw new ConveyorConfigError(setting, `must be an integer from 1 to ${LIMIT_MAX}, or null for no limit, got ${String(value)}`, example);
  }
  return value as number;
}

function checkRate(setting: string, rate: unknown): QueueLimits['rate'] {
  if (rate === null) return null;
  const example = '{ limit: 20, intervalMs: 1000 }';
  if (typeof rate !== 'object') throw new ConveyorConfigError(setting, `must be { limit, intervalMs } or null for no limit, got ${String(rate)}`, example);
  const { limit, intervalMs } = rate as { limit?: unknown; intervalMs?: unknown };
  for (const [name, value] of [['limit', limit], ['intervalMs', intervalMs]] as const) {
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > LIMIT_MAX) {
      throw new ConveyorConfigError(`${setting}.${name}`, `must be an integer from 1 to ${LIMIT_MAX}, got ${String(value)}`, example);
    }
  }
  return { limit: limit as number, intervalMs: intervalMs as number };
}
