/**
 * What to do with a schedule whose next tick has come: which tick to enqueue (if any) and where
 * the schedule's next tick moves to. Pure, so the missed-tick rules are tested with a fixed clock.
 *
 * A tick is late, not missed, while it is the latest tick and at most `SCHEDULE_LATE_GRACE_MS`
 * old: a worker busy for a moment or a short store outage still enqueues it. Any older tick was
 * missed (nothing ran, or the schedule was paused): `'skip'` drops it, `'run-once'` enqueues one job
 * for all the missed ticks, recorded under the latest of them.
 */
import type { ScheduleMissedPolicy } from '../store/store.js';
import type { CronClock } from './cron.js';

/** How old the latest due tick may be and still count as on time. */
export const SCHEDULE_LATE_GRACE_MS = 60_000;

/** `next_run_at` of an expression that never fires again (croner returns null, e.g. '0 0 30 2 *'). */
export const NEVER = new Date(8_640_000_000_000_000);

export interface FirePlan {
  /** The latest due tick: recorded as the schedule's `lastRunAt`, and the tick of its job. */
  tick: Date;
  /** False when the due ticks were missed and the schedule skips missed ticks. */
  enqueue: boolean;
  /** The schedule's next tick: the first one after `now`. */
  nextRunAt: Date;
}

/** @param dueAt the schedule's `nextRunAt` as read, at or before `now`. */
export function planFire(params: { clock: CronClock; missed: ScheduleMissedPolicy; dueAt: Date; now: Date }): FirePlan {
  const { clock, missed, dueAt, now } = params;
  const latestTick = clock.tickAtOrBefore(now);
  const tick = latestTick === null || latestTick < dueAt ? dueAt : latestTick;
  const nextRunAt = clock.tickAfter(now) ?? NEVER;
  const late = now.getTime() - tick.getTime() <= SCHEDULE_LATE_GRACE_MS;
  return { tick, enqueue: late || missed === 'run-once', nextRunAt };
}

/** The dedup key of a schedule's job for one tick: a record of the tick, and a second guard against firing it twice. */
export function scheduleDedupKey(name: string, tick: Date): string {
  return `schedule:${name}:${tick.toISOString()}`;
}
