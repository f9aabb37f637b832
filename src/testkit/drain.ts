/**
 * `drain()`: run every job due at the test clock's current time, one at a time, inline, until none is
 * due. Each pass first does what a worker's background steps would have done by then: fire due cron
 * schedules, promote due scheduled and retrying jobs, wake jobs whose awaited event came. Nothing
 * waits in real time: a job due later (a retry's backoff, a sleep) stays put until the clock is
 * advanced and `drain()` is called again.
 */
import { ConveyorEvents } from '../events.js';
import type { Job, JobState } from '../job.js';
import { jobReleased } from '../store/state-updates.js';
import type { Task } from '../task.js';
import { ScheduleFiring } from '../worker/schedule-firing.js';
import { StoreConnectionTracker } from '../worker/store-connection.js';
import { type InlineDeps, runInlineAttempt } from './inline-attempt.js';

/** How one job's run in `drain()` ended. */
export interface DrainOutcome {
  /** The job as stored after the run (its `runAt` says when a retry or a sleep is due). */
  job: Job;
  /** Its state after the run: `succeeded`; `failed` (retried later); `dead`; `scheduled` (slept or waits); `cancelled`. */
  state: JobState;
  /** What the handler returned, when it succeeded. */
  result: unknown;
  /** What the handler threw (or why it was aborted), when the run failed; null otherwise. */
  error: unknown;
}

export interface DrainOptions {
  /**
   * Stop with an error after running this many jobs in one drain: a job that enqueues itself, or a
   * schedule that fires every tick, would otherwise never let it end.
   * @default 1000
   */
  maxJobs?: number;
}

/** Rows per store call for promotions and wake-ups: a test rarely has more due at once. */
const BATCH = 1000;
/** Waits resolved this recently are looked at for jobs to wake (as worker maintenance does). */
const RESOLVED_WAIT_WINDOW_MS = 60_000;
/** A lease outlives any inline run: nothing else claims in a test's private store. */
const LEASE_MS = 86_400_000;

export class Drainer {
  private readonly schedules: ScheduleFiring;
  private readonly queues: string[];

  constructor(
    private readonly tasks: ReadonlyMap<string, Task>,
    private readonly deps: InlineDeps,
  ) {
    const connection = new StoreConnectionTracker(deps.logger, () => undefined, () => deps.clock.now());
    this.schedules = new ScheduleFiring(deps.store, tasks, new ConveyorEvents(), deps.logger, connection);
    this.queues = [...new Set([...tasks.values()].map((task) => task.queue))];
  }

  async drain(options: DrainOptions = {}): Promise<DrainOutcome[]> {
    const maxJobs = options.maxJobs ?? 1000;
    const outcomes: DrainOutcome[] = [];
    for (;;) {
      const now = this.deps.clock.now();
      await this.catchUp(now);
      const job = await this.claimDue(now);
      if (job === null) return outcomes;
      if (outcomes.length >= maxJobs) {
        // Handed back unstarted, as a worker that stops does, so the guard leaves no job running.
        await this.release(job, now);
        const ran = [...new Set(outcomes.map((outcome) => outcome.job.task))].join(', ');
        throw new Error(
          `drain() ran ${maxJobs} jobs (tasks: ${ran}) and jobs are still due, at ${now.toISOString()}; ` +
            'a job may enqueue itself over and over. Look at what they enqueue, or raise the limit: drain({ maxJobs: 5000 })',
        );
      }
      const task = this.tasks.get(job.task) as Task;
      const { outcome, job: after } = await runInlineAttempt(task, job, this.deps);
      const failed = after.state === 'failed' || after.state === 'dead';
      outcomes.push({
        job: after,
        state: after.state,
        result: after.state === 'succeeded' ? after.result : null,
        error: !failed ? null : outcome.kind === 'threw' ? outcome.error : (after.errors.at(-1) ?? null),
      });
    }
  }

  /** What a worker's background steps would have done by `now`: fire schedules, promote due jobs, wake resolved waits. */
  private async catchUp(now: Date): Promise<void> {
    const { store } = this.deps;
    await this.schedules.run(now);
    await store.jobs.promoteDue({ now, limit: BATCH });
    await store.steps.wakeResolved({ since: new Date(now.getTime() - RESOLVED_WAIT_WINDOW_MS), now, limit: BATCH });
  }

  /** Give a claimed job back unstarted: queued again, the attempt not counted. */
  private async release(job: Job, now: Date): Promise<void> {
    const ref = { id: job.id, attempt: job.attempt, workerId: this.deps.workerId };
    await this.deps.store.jobs.setStateIfRunningMany({ updates: [jobReleased(ref, now)] });
  }

  /** One job due at `now`, claimed; null when none is. */
  private async claimDue(now: Date): Promise<Job | null> {
    const { store, workerId } = this.deps;
    if (this.queues.length === 0) return null;
    const [job] = await store.jobs.claim({
      queues: this.queues,
      tasks: [...this.tasks.keys()],
      workerId,
      limit: 1,
      now,
      leaseExpiresAt: new Date(now.getTime() + LEASE_MS),
    });
    return job ?? null;
  }
}
