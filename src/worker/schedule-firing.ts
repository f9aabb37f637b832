/**
 * Firing cron schedules, from every worker: read the schedules whose tick has come (one indexed
 * query), decide per schedule which tick to enqueue (`planFire`), and let the store's
 * compare-and-set (`scheduleFire`) decide which process enqueues it. Many workers firing at once
 * enqueue each tick once; no leader is needed.
 */
import type { ConveyorEvents } from '../events.js';
import type { Logger } from '../logger.js';
import { DEFAULT_RETRY_POLICY } from '../retry.js';
import { parseCron } from '../schedule/cron.js';
import { resolveConcurrencyKey } from '../client/enqueue.js';
import { planFire, scheduleDedupKey } from '../schedule/fire-plan.js';
import type { JobInsert, ScheduleRecord, Store } from '../store/store.js';
import type { Task } from '../task.js';
import type { StoreConnectionTracker } from './store-connection.js';

/** Schedules fired per run; more due ones wait for the next run, a fraction of a second later. */
const DUE_BATCH = 100;

export class ScheduleFiring {
  constructor(
    private readonly store: Store,
    /** Tasks this worker knows: their priority and attempts apply to scheduled jobs. */
    private readonly tasks: ReadonlyMap<string, Task>,
    private readonly events: ConveyorEvents,
    private readonly logger: Logger,
    private readonly connection: StoreConnectionTracker,
  ) {}

  /** Fire every due schedule once; a store failure is reported to the connection tracker, and the next run tries again. */
  async run(now = new Date()): Promise<void> {
    let due: ScheduleRecord[];
    try {
      due = await this.store.scheduleDueList({ now, limit: DUE_BATCH });
    } catch (error) {
      // Not reported to the connection tracker: the claim loop and the heartbeat report outages. Nor
      // is the read's success: on SQLite a read succeeds while the write lock is held, and calling the
      // store back every 250 ms would cut short the claim loop's backoff.
      this.logger.debug({ err: error }, 'could not read due schedules');
      return;
    }
    if (due.length === 0) return;
    try {
      await this.connection.observe('firing schedules', async () => {
        for (const schedule of due) await this.fire(schedule, now);
      });
    } catch {
      // The connection tracker logged it.
    }
  }

  private async fire(schedule: ScheduleRecord, now: Date): Promise<void> {
    let plan;
    try {
      plan = planFire({ clock: parseCron('schedule cron', schedule.cron, schedule.timeZone), missed: schedule.missed, dueAt: schedule.nextRunAt, now });
    } catch (error) {
      // Only a row written by hand (or by a newer croner's rules) gets here; upserts check the expression.
      this.logger.error({ err: error, schedule: schedule.name }, 'schedule has an unusable cron expression; pause or fix it');
      return;
    }
    const job = plan.enqueue ? this.jobInsert(schedule, plan.tick, now) : null;
    const result = await this.store.scheduleFire({ name: schedule.name, expectedNextRunAt: schedule.nextRunAt, tick: plan.tick, nextRunAt: plan.nextRunAt, job, now });
    if (!result.fired) return;
    if (result.job === null) {
      this.logger.info({ schedule: schedule.name, tick: plan.tick }, 'skipped missed schedule ticks');
      return;
    }
    this.logger.debug({ schedule: schedule.name, tick: plan.tick, jobId: result.job.id }, 'schedule fired');
    if (result.job.state === 'queued') this.events.emit('jobs-available', [result.job.queue]);
  }

  private jobInsert(schedule: ScheduleRecord, tick: Date, now: Date): JobInsert {
    const task = this.tasks.get(schedule.task);
    return {
      task: schedule.task,
      queue: schedule.queue,
      input: schedule.input,
      priority: task?.priority ?? 0,
      runAt: now,
      maxAttempts: task?.retry.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
      dedupKey: scheduleDedupKey(schedule.name, tick),
      concurrencyKey: task === undefined ? null : resolveConcurrencyKey(task, schedule.input),
    };
  }
}
