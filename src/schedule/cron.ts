/**
 * Cron expressions, read by `croner`: 5 fields (minute precision) or 6 (seconds first), in an IANA
 * time zone. Everything here is pure: the ticks of an expression after or up to a given instant.
 */
import { Cron } from 'croner';
import { ConveyorConfigError } from '../errors.js';

/** A parsed expression in its time zone. Build one with `parseCron`. */
export interface CronClock {
  readonly expression: string;
  readonly timeZone: string;
  /** The first tick strictly after `instant`; null when the expression never fires again. */
  tickAfter(instant: Date): Date | null;
  /** The last tick at or before `instant`; null when there is none. */
  tickAtOrBefore(instant: Date): Date | null;
}

const CRON_FIELDS = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const CRON_EXAMPLE = "'*/15 * * * *' (every 15 minutes) or '0 0 9 * * 1-5' (9:00:00 on weekdays, seconds first)";

/** Check a time zone name against the runtime's IANA database; throws `ConveyorConfigError`. */
export function checkTimeZone(setting: string, timeZone: unknown): string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) {
    throw new ConveyorConfigError(setting, `must be an IANA time zone name, got ${JSON.stringify(timeZone)}`, "'UTC' or 'Europe/Berlin'");
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
  } catch {
    throw new ConveyorConfigError(setting, `"${timeZone}" is not an IANA time zone this runtime knows`, "'UTC' or 'Europe/Berlin'");
  }
  return timeZone;
}

/**
 * Parse a 5- or 6-field cron expression in a time zone. A bad expression throws `ConveyorConfigError`
 * naming the field that is wrong.
 */
export function parseCron(setting: string, expression: unknown, timeZone: string): CronClock {
  if (typeof expression !== 'string') {
    throw new ConveyorConfigError(setting, `must be a cron expression string, got ${typeof expression}`, CRON_EXAMPLE);
  }
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new ConveyorConfigError(
      setting,
      `"${expression}" has ${fields.length} field(s); give 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`,
      CRON_EXAMPLE,
    );
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone: timeZone, paused: true, mode: '5-or-6-parts' });
  } catch (error) {
    throw new ConveyorConfigError(setting, `"${expression}" is not a valid cron expression (${describeCronError(error, fields.length)})`, CRON_EXAMPLE);
  }
  return {
    expression,
    timeZone,
    tickAfter: (instant) => cron.nextRun(instant),
    // previousRuns looks strictly before its reference: one millisecond later includes `instant` itself.
    tickAtOrBefore: (instant) => cron.previousRuns(1, new Date(instant.getTime() + 1))[0] ?? null,
  };
}

/** croner says "Invalid value for minute: 61"; with 5 fields it counts a missing seconds field, so name fields ourselves where we can. */
function describeCronError(error: unknown, fieldCount: number): string {
  const message = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
  const fieldNames = fieldCount === 5 ? CRON_FIELDS.slice(1) : CRON_FIELDS;
  return `${message}; the fields are ${fieldNames.join(', ')}`;
}
