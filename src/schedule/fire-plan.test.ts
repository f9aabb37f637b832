import { describe, expect, it } from 'vitest';
import { parseCron } from './cron.js';
import { NEVER, planFire, scheduleDedupKey, SCHEDULE_LATE_GRACE_MS } from './fire-plan.js';

const utc = (iso: string) => new Date(`${iso}Z`);

describe('planFire', () => {
  const hourly = parseCron('cron', '0 * * * *', 'UTC');
  const everySecond = parseCron('cron', '* * * * * *', 'UTC');

  it('fires the due tick and moves to the first tick after now', () => {
    const plan = planFire({ clock: hourly, missed: 'skip', dueAt: utc('2026-01-01T05:00:00'), now: utc('2026-01-01T05:00:00.200') });
    expect(plan).toEqual({ tick: utc('2026-01-01T05:00:00'), enqueue: true, nextRunAt: utc('2026-01-01T06:00:00') });
  });

  it('with several ticks due within the grace, fires only the latest, once, under either policy', () => {
    for (const missed of ['skip', 'run-once'] as const) {
      const plan = planFire({ clock: everySecond, missed, dueAt: utc('2026-01-01T05:00:00'), now: utc('2026-01-01T05:00:04.300') });
      expect(plan).toEqual({ tick: utc('2026-01-01T05:00:04'), enqueue: true, nextRunAt: utc('2026-01-01T05:00:05') });
    }
  });

  it("'skip' drops ticks missed for longer than the grace; 'run-once' fires one job for them all", () => {
    const dueAt = utc('2026-01-01T01:00:00');
    const now = new Date(utc('2026-01-01T05:00:00').getTime() + SCHEDULE_LATE_GRACE_MS + 1);
    expect(planFire({ clock: hourly, missed: 'skip', dueAt, now })).toEqual({ tick: utc('2026-01-01T05:00:00'), enqueue: false, nextRunAt: utc('2026-01-01T06:00:00') });
    expect(planFire({ clock: hourly, missed: 'run-once', dueAt, now })).toEqual({ tick: utc('2026-01-01T05:00:00'), enqueue: true, nextRunAt: utc('2026-01-01T06:00:00') });
  });

  it('a tick exactly at the grace is still on time', () => {
    const now = new Date(utc('2026-01-01T05:00:00').getTime() + SCHEDULE_LATE_GRACE_MS);
    expect(planFire({ clock: hourly, missed: 'skip', dueAt: utc('2026-01-01T05:00:00'), now }).enqueue).toBe(true);
  });

  it('reads the expression in its time zone, across a DST change', () => {
    const berlin = parseCron('cron', '30 2 * * *', 'Europe/Berlin');
    // 29 March 2026: clocks jump from 02:00 to 03:00 in Berlin, so 02:30 does not exist that day.
    const plan = planFire({ clock: berlin, missed: 'skip', dueAt: utc('2026-03-28T01:30:00'), now: utc('2026-03-28T01:30:01') });
    expect(plan.tick).toEqual(utc('2026-03-28T01:30:00'));
    expect(plan.nextRunAt.getTime()).toBeGreaterThan(utc('2026-03-29T00:00:00').getTime());
    expect(plan.nextRunAt.getTime()).toBeLessThanOrEqual(utc('2026-03-30T00:30:00').getTime());
  });

  it('an expression that never fires again moves to NEVER', () => {
    const never = { expression: 'x', timeZone: 'UTC', tickAfter: () => null, tickAtOrBefore: () => null };
    expect(planFire({ clock: never, missed: 'skip', dueAt: utc('2026-01-01T00:00:00'), now: utc('2026-01-01T00:00:01') })).toEqual({ tick: utc('2026-01-01T00:00:00'), enqueue: true, nextRunAt: NEVER });
  });
});

describe('scheduleDedupKey', () => {
  it('names the schedule and the tick', () => {
    expect(scheduleDedupKey('reports.nightly', utc('2026-01-01T03:00:00'))).toBe('schedule:reports.nightly:2026-01-01T03:00:00.000Z');
  });
});
