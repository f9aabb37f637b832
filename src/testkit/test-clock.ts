/**
 * A clock that moves only when a test moves it, so delays, retries' backoff, schedules and durable
 * sleeps become due on the next `drain()` without waiting in real time.
 */
import type { Clock } from '../clock.js';
import { ConveyorConfigError } from '../errors.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** A length of time: milliseconds, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'1d'`. */
export type Duration = number | `${number}${keyof typeof UNIT_MS}`;

export class TestClock implements Clock {
  private current: number;

  /** @param start where the clock starts. @default the wall clock's time when it is made */
  constructor(start: Date = new Date()) {
    this.current = checkDate('new TestClock(start)', start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /**
   * Move the clock forward; returns the new time.
   * @example clock.advance('5m'); clock.advance(90_000)
   */
  advance(by: Duration): Date {
    this.current += durationMs('clock.advance(by)', by);
    return this.now();
  }

  /** Put the clock at a time (earlier or later); returns it. */
  set(at: Date): Date {
    this.current = checkDate('clock.set(at)', at).getTime();
    return this.now();
  }
}

/** Milliseconds of a `Duration`, or a `ConveyorConfigError` naming `where`. */
export function durationMs(where: string, by: Duration): number {
  if (typeof by === 'number') {
    if (Number.isFinite(by) && by >= 0) return by;
  } else if (typeof by === 'string') {
    const match = DURATION.exec(by);
    if (match !== null) return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  throw new ConveyorConfigError(where, `must be milliseconds (a number >= 0) or a duration such as '30s', '5m', '2h', '1d', got ${JSON.stringify(by) ?? String(by)}`, "'5m'");
}

function checkDate(where: string, at: unknown): Date {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new ConveyorConfigError(where, `must be a valid Date, got ${String(at)}`, "new Date('2026-01-01T09:00:00Z')");
  }
  return at;
}
