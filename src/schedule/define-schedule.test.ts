import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConveyorConfigError, ConveyorValidationError } from '../errors.js';
import { defineTask } from '../task.js';
import { defineSchedule } from './define-schedule.js';

const report = defineTask({ name: 'reports.export', input: z.object({ format: z.enum(['csv', 'json']) }), run: async () => 'ok' });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('defineSchedule', () => {
  it('accepts 5- and 6-field expressions, defaults to UTC and skip', () => {
    const five = defineSchedule({ name: 'reports.nightly', task: report, cron: '0 3 * * *', input: { format: 'csv' } });
    expect(five).toMatchObject({ name: 'reports.nightly', cron: '0 3 * * *', timeZone: 'UTC', missed: 'skip' });
    const six = defineSchedule({ name: 'tick', task: report, cron: '*/5 * * * * *', timeZone: 'Europe/Berlin', input: { format: 'json' }, missed: 'run-once' });
    expect(six.clock.tickAfter(new Date('2026-01-01T00:00:01Z'))).toEqual(new Date('2026-01-01T00:00:05Z'));
  });

  it('names the bad field of a cron expression and shows a right one', () => {
    const error = thrown(() => defineSchedule({ name: 's', task: report, cron: '0 61 * * *', input: { format: 'csv' } }));
    expect(error).toBeInstanceOf(ConveyorConfigError);
    expect(error.message).toMatch(/defineSchedule\("s"\)\.cron/);
    expect(error.message).toMatch(/hour/);
    expect(error.message).toMatch(/Example of a valid value: '\*\/15 \* \* \* \*'/);
  });

  it('rejects an expression with the wrong number of fields', () => {
    for (const cron of ['* * * *', '* * * * * * *', '']) {
      const error = thrown(() => defineSchedule({ name: 's', task: report, cron, input: { format: 'csv' } }));
      expect(error).toBeInstanceOf(ConveyorConfigError);
      expect(error.message).toMatch(/give 5 .* or 6/);
    }
  });

  it('rejects an unknown time zone, an unknown missed policy, and a date that never comes', () => {
    expect(thrown(() => defineSchedule({ name: 's', task: report, cron: '* * * * *', timeZone: 'Mars/Olympus', input: { format: 'csv' } })).message).toMatch(/timeZone: "Mars\/Olympus" is not an IANA time zone/);
    expect(thrown(() => defineSchedule({ name: 's', task: report, cron: '* * * * *', input: { format: 'csv' }, missed: 'all' as never })).message).toMatch(/missed: must be 'skip' or 'run-once'/);
    expect(thrown(() => defineSchedule({ name: 's', task: report, cron: '0 0 30 2 *', input: { format: 'csv' } })).message).toMatch(/never fires/);
  });

  it('validates the input against the task schema', () => {
    const error = thrown(() => defineSchedule({ name: 's', task: report, cron: '* * * * *', input: { format: 'xml' } as never }));
    expect(error).toBeInstanceOf(ConveyorValidationError);
    expect(error.message).toMatch(/format/);
  });

  it('rejects a bad name', () => {
    expect(thrown(() => defineSchedule({ name: ' no spaces', task: report, cron: '* * * * *', input: { format: 'csv' } }))).toBeInstanceOf(ConveyorConfigError);
  });
});
