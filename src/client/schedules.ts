/**
 * `conveyor.schedules`: store, list, pause, resume and remove cron schedules. Firing them is the
 * workers' job (`src/worker/schedule-firing.ts`).
 */
import { systemClock, type Clock } from '../clock.js';
import { ConveyorConfigError, ConveyorNotFoundError } from '../errors.js';
import { parseCron } from '../schedule/cron.js';
import type { Schedule } from '../schedule/define-schedule.js';
import { NEVER } from '../schedule/fire-plan.js';
import type { ScheduleRecord, Store } from '../store/store.js';
import { buildJobInsert } from './enqueue.js';

export class ScheduleClient {
  constructor(
    private readonly store: Store,
    /** Where the next tick is counted from. */
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Store a schedule, or replace its definition. Its next tick is kept when the cron expression and
   * time zone are unchanged, so restarting every process with the same schedules fires no tick twice;
   * a changed expression starts again from the first tick after now. A paused schedule stays paused.
   */
  async upsert(schedule: Schedule): Promise<ScheduleRecord> {
    const now = this.clock.now();
    // The job's checks, now: an asynchronous schema, or input that is not JSON, fails here and not at the first tick.
    await buildJobInsert(schedule.task, schedule.input, {}, now, null);
    return this.store.schedules.upsert({
      schedule: {
        name: schedule.name,
        task: schedule.task.name,
        queue: schedule.task.queue,
        cron: schedule.cron,
        timeZone: schedule.timeZone,
        input: schedule.input,
        missed: schedule.missed,
        nextRunAt: schedule.clock.tickAfter(now) ?? NEVER,
      },
      now,
    });
  }

  /** Every stored schedule, by name. */
  async list(): Promise<ScheduleRecord[]> {
    return this.store.schedules.list();
  }

  /** Stop a schedule from firing, in every process, until `resume`. */
  async pause(name: string): Promise<ScheduleRecord> {
    return this.found(name, await this.store.schedules.pause({ name, now: this.clock.now() }));
  }

  /** Let a paused schedule fire again, from its first tick after now: ticks passed while paused are not enqueued. */
  async resume(name: string): Promise<ScheduleRecord> {
    const stored = this.found(name, (await this.store.schedules.list()).find((schedule) => schedule.name === name) ?? null);
    const now = this.clock.now();
    const nextRunAt = parseCron(`schedule "${name}" cron`, stored.cron, stored.timeZone).tickAfter(now) ?? NEVER;
    return this.found(name, await this.store.schedules.resume({ name, nextRunAt, now }));
  }

  /** Delete a schedule; jobs it already enqueued stay. False when there was no such schedule. */
  async remove(name: string): Promise<boolean> {
    return this.store.schedules.remove({ name });
  }

  private found(name: string, schedule: ScheduleRecord | null): ScheduleRecord {
    if (schedule === null) throw new ConveyorNotFoundError(`No schedule named "${name}"`);
    return schedule;
  }
}

/** Check that no two schedules share a name; throws `ConveyorConfigError`. */
export function checkScheduleNames(setting: string, schedules: readonly Schedule[]): void {
  const seen = new Set<string>();
  for (const schedule of schedules) {
    if (seen.has(schedule.name)) {
      throw new ConveyorConfigError(setting, `lists the schedule name "${schedule.name}" twice; schedule names must be unique`, '[nightlyReport, hourlySync]');
    }
    seen.add(schedule.name);
  }
}
