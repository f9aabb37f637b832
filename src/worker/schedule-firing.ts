/**
 * Firing cron schedules, from every worker: read the schedules whose tick has come (one indexed
 * query), decide per schedule which tick to enqueue (`planFire`), and let the store's
 * compare-and-set (`schedules.fire`) decide which process enqueues it. Many workers firing at once
 * enqueue each tick once; no leader is needed.
 */
import type { ConveyorEvents } from '../events.js';
import type { Logger } from '../logger.js';
import { DEFAULT_RETRY_POLICY } from '../retry.js';
import { parseCron } from '../schedule/cron.js';
import { buildJobInsert } from '../client/enqueue.js';
import { planFire, scheduleDedupKey } from '../schedule/fire-plan.js';
import type { JobInsert, ScheduleRecord, Store } from '../store/store.js';
import type { Task } from '../task.js';
import { isContentRefusal, isStoreUnavailable } from '../store/store-errors.js';
import type { StoreConnectionTracker } from './store-connection.js';
import { describeThrown } from './thrown-value.js';

/** Schedules fired per run; more due ones wait for the next run, a fraction of a second later. */
const DUE_BATCH = 100;

export class ScheduleFiring {
  /** Schedules whose job could not be built or stored, with the error last logged for each. */
  private readonly broken = new Map<string, string>();
  /** The error last recorded in the store for each broken schedule (`lastError`). */
  private readonly recorded = new Map<string, string>();

  constructor(
    private readonly store: Store,
    /** Tasks this worker knows: their priority, attempts and concurrency key apply to scheduled jobs. */
    private readonly tasks: ReadonlyMap<string, Task>,
    private readonly events: ConveyorEvents,
    private readonly logger: Logger,
    private readonly connection: StoreConnectionTracker,
  ) {}

  /**
   * Fire every due schedule once, each on its own: a schedule whose job cannot be built (its task's
   * concurrency key threw) or stored is logged and recorded as its `lastError`, once per error, and
   * the others fire all the same; it stays due, so it fires once fixed (which clears `lastError`). A store failure is reported to the connection tracker and ends
   * the run: the next run tries again.
   */
  async run(now = new Date()): Promise<void> {
    let due: ScheduleRecord[];
    try {
      due = await this.store.schedules.dueList({ now, limit: DUE_BATCH });
    } catch (error) {
      // Not reported to the connection tracker: the claim loop and the heartbeat report outages. Nor
      // is the read's success: on SQLite a read succeeds while the write lock is held, and calling the
      // store back every 250 ms would cut short the claim loop's backoff.
      this.logger.debug({ err: error }, 'could not read due schedules');
      return;
    }
    for (const schedule of due) {
      if (!(await this.fire(schedule, now))) return;
    }
  }

  /** False when the store could not be reached (the rest of this run would fail too). */
  private async fire(schedule: ScheduleRecord, now: Date): Promise<boolean> {
    let plan;
    try {
      plan = planFire({ clock: parseCron('schedule cron', schedule.cron, schedule.timeZone), missed: schedule.missed, dueAt: schedule.nextRunAt, now });
    } catch (error) {
      // Only a row written by hand (or by a newer croner's rules) gets here; upserts check the expression.
      await this.reportBroken(schedule, error, now, { log: 'schedule has an unusable cron expression; pause or fix it', cause: 'unusable cron expression' });
      return true;
    }
    let job: JobInsert | null = null;
    if (plan.enqueue) {
      try {
        job = await this.jobInsert(schedule, plan.tick, now);
      } catch (error) {
        const log = "could not build this schedule's job (the task's code threw); the schedule stays due and fires once fixed";
        await this.reportBroken(schedule, error, now, { log, cause: "the task's code threw building the job" });
        return true;
      }
    }
    let result;
    try {
      const fireParams = { name: schedule.name, expectedNextRunAt: schedule.nextRunAt, tick: plan.tick, nextRunAt: plan.nextRunAt, job, now };
      result = await this.connection.observe('firing schedules', () => this.store.schedules.fire(fireParams));
    } catch (error) {
      if (isStoreUnavailable(error)) return false; // the connection tracker logged it
      const refused = isContentRefusal(error);
      const log = `${refused ? "the store refused this schedule's job" : "storing this schedule's job failed in Conveyor itself (a bug)"}; the schedule stays due and fires once fixed`;
      await this.reportBroken(schedule, error, now, { log, cause: refused ? 'the store refused the job' : 'storing the job failed' });
      return true;
    }
    if (result.fired) {
      // Firing cleared the schedule's `lastError` in the store.
      this.broken.delete(schedule.name);
      this.recorded.delete(schedule.name);
    }
    if (!result.fired) return true;
    if (result.job === null) {
      this.logger.info({ schedule: schedule.name, tick: plan.tick }, 'skipped missed schedule ticks');
      return true;
    }
    this.logger.debug({ schedule: schedule.name, tick: plan.tick, jobId: result.job.id }, 'schedule fired');
    if (result.job.state === 'queued') this.events.emit('jobs-available', [result.job.queue]);
    return true;
  }

  /**
   * Log a broken schedule and record it as its `lastError`, once per distinct error, not every
   * 250 ms. A record the store could not take is tried again at the next run, without logging again.
   */
  private async reportBroken(schedule: ScheduleRecord, error: unknown, now: Date, report: { log: string; cause: string }): Promise<void> {
    const text = describeThrown(error).message;
    if (this.broken.get(schedule.name) !== text) {
      this.broken.set(schedule.name, text);
      this.logger.error({ err: error, schedule: schedule.name, task: schedule.task }, report.log);
    }
    const message = `${report.cause}: ${text}`;
    if (this.recorded.get(schedule.name) === message) return;
    try {
      await this.store.schedules.errorRecord({ name: schedule.name, message, now });
      this.recorded.set(schedule.name, message);
    } catch (recordError) {
      this.logger.debug({ err: recordError, schedule: schedule.name }, "could not record the schedule's last error; trying again at the next run");
    }
  }

  /** The job of one tick: built as `enqueue` builds one (the task's defaults), keyed by the tick. */
  private async jobInsert(schedule: ScheduleRecord, tick: Date, now: Date): Promise<JobInsert> {
    const dedupKey = scheduleDedupKey(schedule.name, tick);
    const task = this.tasks.get(schedule.task);
    if (task === undefined) {
      // A schedule of a task this worker does not run: the defaults any worker would apply.
      return { task: schedule.task, queue: schedule.queue, input: schedule.input, priority: 0, runAt: now, maxAttempts: DEFAULT_RETRY_POLICY.maxAttempts, dedupKey, concurrencyKey: null, traceContext: null };
    }
    return { ...(await buildJobInsert(task, schedule.input, { dedupKey }, now, null)), queue: schedule.queue };
  }
}
