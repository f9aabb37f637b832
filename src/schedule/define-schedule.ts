/**
 * `defineSchedule`: a cron schedule that enqueues a task, checked when it is defined (cron fields,
 * time zone, input against the task's schema) so a bad schedule fails at start-up, not at its first tick.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConveyorConfigError, ConveyorValidationError } from '../errors.js';
import type { ScheduleMissedPolicy } from '../store/store.js';
import type { Task, TaskInput } from '../task.js';
import { checkTimeZone, parseCron, type CronClock } from './cron.js';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MISSED_POLICIES: readonly ScheduleMissedPolicy[] = ['skip', 'run-once'];

export interface ScheduleOptions<T extends Task = Task> {
  /** Unique name; the schedule's identity in the store. @example 'reports.nightly' */
  name: string;
  task: T;
  /**
   * 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first.
   * @example '0 3 * * *' (03:00 every day), '* * * * * *' (every second)
   */
  cron: string;
  /** IANA time zone the expression is read in. @default 'UTC' @example 'Europe/Berlin' */
  timeZone?: string;
  /** The input of every job the schedule enqueues, checked against the task's schema. */
  input: TaskInput<T>;
  /**
   * Ticks that passed while no worker ran (more than a minute late): `'skip'` drops them, `'run-once'`
   * enqueues one job for all of them at the next start. Ticks passed while the schedule was paused are
   * always dropped. @default 'skip'
   */
  missed?: ScheduleMissedPolicy;
}

/** A checked schedule definition. */
export interface Schedule {
  readonly name: string;
  readonly task: Task;
  readonly cron: string;
  readonly timeZone: string;
  readonly input: unknown;
  readonly missed: ScheduleMissedPolicy;
  /** The expression parsed in its time zone. */
  readonly clock: CronClock;
}

/**
 * Define a cron schedule. Pass it to `Conveyor.open({ schedules })` or `conveyor.schedules.upsert()`.
 *
 * @example
 * export const nightlyReport = defineSchedule({
 *   name: 'reports.nightly',
 *   task: exportReport,
 *   cron: '0 3 * * *',
 *   timeZone: 'Europe/Berlin',
 *   input: { format: 'csv' },
 * })
 */
export function defineSchedule<T extends Task>(options: ScheduleOptions<T>): Schedule {
  const where = `defineSchedule(${JSON.stringify(options.name)})`;
  if (typeof options.name !== 'string' || !NAME_PATTERN.test(options.name)) {
    throw new ConveyorConfigError(`${where}.name`, `must be 1–128 letters, digits, ".", "_", "-" or ":" starting with a letter or digit, got ${JSON.stringify(options.name)}`, '"reports.nightly"');
  }
  if (typeof options.task !== 'object' || options.task === null || typeof options.task.name !== 'string') {
    throw new ConveyorConfigError(`${where}.task`, 'must be a task made with defineTask', 'exportReport');
  }
  const timeZone = checkTimeZone(`${where}.timeZone`, options.timeZone ?? 'UTC');
  const clock = parseCron(`${where}.cron`, options.cron, timeZone);
  if (clock.tickAfter(new Date()) === null) {
    throw new ConveyorConfigError(`${where}.cron`, `"${options.cron}" never fires (no such date)`, "'0 0 28 2 *' (28 February)");
  }
  const missed = options.missed ?? 'skip';
  if (!MISSED_POLICIES.includes(missed)) {
    throw new ConveyorConfigError(`${where}.missed`, `must be 'skip' or 'run-once', got ${JSON.stringify(missed)}`, "'run-once'");
  }
  checkInputNow(options.task, options.input);
  return Object.freeze({ name: options.name, task: options.task, cron: clock.expression, timeZone, input: options.input, missed, clock });
}

/**
 * Validate the input with the task's schema when the schema answers synchronously (zod, valibot…);
 * an asynchronous schema is checked when the schema is stored (`buildJobInsert` in the upsert).
 */
function checkInputNow(task: Task, input: unknown): void {
  const outcome: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>> = task.input['~standard'].validate(input);
  if (outcome instanceof Promise) {
    outcome.catch(() => undefined);
    return;
  }
  if (outcome.issues !== undefined) {
    throw new ConveyorValidationError(
      task.name,
      outcome.issues.map((issue: StandardSchemaV1.Issue) => ({
        path: (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.'),
        message: issue.message,
      })),
    );
  }
}
