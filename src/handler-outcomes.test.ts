import { describe, expect, it } from 'vitest';
import { ConveyorConfigError, PermanentJobError } from './errors.js';
import { discard, JobSnooze, MAX_SNOOZE_MS, snooze } from './handler-outcomes.js';

describe('snooze', () => {
  it.each([0, 1, 30_000, MAX_SNOOZE_MS])('accepts %d ms', (delayMs) => {
    const snoozed = snooze(delayMs);
    expect(snoozed).toBeInstanceOf(JobSnooze);
    expect(snoozed).toBeInstanceOf(Error);
    expect(snoozed.delayMs).toBe(delayMs);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_SNOOZE_MS + 1, '100' as unknown as number, undefined as unknown as number])(
    'refuses %s, naming the call and showing a valid value',
    (delayMs) => {
      const call = () => snooze(delayMs);
      expect(call).toThrow(ConveyorConfigError);
      expect(call).toThrow(`snooze(delayMs): delayMs must be an integer of milliseconds from 0 to ${MAX_SNOOZE_MS} (365 days), got ${String(delayMs)}. Example of a valid value: snooze(30_000)`);
    },
  );

  it('validates a JobSnooze built directly too', () => {
    expect(() => new JobSnooze(-5)).toThrow(ConveyorConfigError);
  });
});

describe('discard', () => {
  it('is a PermanentJobError whose message says the job was discarded, and why', () => {
    const discarded = discard('customer deleted');
    expect(discarded).toBeInstanceOf(PermanentJobError);
    expect(discarded.message).toBe('Discarded: customer deleted');
  });

  it.each(['', '   ', 42 as unknown as string, undefined as unknown as string])('refuses the reason %j', (reason) => {
    expect(() => discard(reason)).toThrow(ConveyorConfigError);
    expect(() => discard(reason)).toThrow(/^discard\(reason\): reason must be a non-empty string, got /);
  });
});
