/**
 * Where Conveyor reads the time when it decides one: enqueue delays, schedules' ticks, retries'
 * backoff, durable sleeps. Stores never read a clock themselves (every store method takes `now`), so
 * swapping this one makes time controllable in tests (`conveyor/testing`'s `TestClock`).
 */
export interface Clock {
  /** The current time. */
  now(): Date;
}

/** The wall clock: what Conveyor uses unless told otherwise. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });
