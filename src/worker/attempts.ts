/**
 * The attempts of one worker: each started job run to its outcome, and every outcome (of a run, or of
 * a held job handed back or cancelled unstarted) handed to the batcher. It also keeps what `stop()`
 * waits on: until no attempt runs, then until every outcome has been handed over.
 */
import type { ConveyorEvents } from '../events.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { JobLease, JobStateUpdate, Store } from '../store/store.js';
import { jobCancelled, jobReleased } from '../store/state-updates.js';
import type { Resources, Task } from '../task.js';
import type { CompletionBatcher } from './completion-batcher.js';
import { executeAttempt } from './execute-job.js';
import { outcomeToUpdate, type AbortReason } from './outcome.js';
import { RunningJob } from './running-job.js';

export interface AttemptsContext {
  store: Store;
  workerId: string;
  logger: Logger;
  events: ConveyorEvents;
  batcher: CompletionBatcher;
  tasks: ReadonlyMap<string, Task>;
  /** The worker's resources; read as each attempt starts (they exist once the worker has started). */
  resources: () => Resources;
  /** Told as an attempt starts (the worker re-emits it as `job-started`). */
  onStarted: (job: Job) => void;
  /** Told once an attempt's outcome was recorded, or given up (the worker re-emits it as `job-settled`). */
  onSettled: (job: Job, update: JobStateUpdate | null, applied: boolean) => void;
  /** Told when an attempt stops running, before its outcome is recorded, so the slot can be reused at once. */
  onSlotFreed: () => void;
}

export class Attempts {
  /**
   * Attempts in flight, by job id and attempt: an attempt that lost its lease may still be running
   * here when the same job, recovered, is claimed again by this very worker.
   */
  private readonly running = new Map<string, RunningJob>();
  /** Runs, and outcome writes of jobs that never ran, not yet settled. */
  private readonly settling = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly context: AttemptsContext) {}

  /** How many attempts are running now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** The ids of the jobs running now. */
  get runningJobIds(): string[] {
    return [...this.running.values()].map((running) => running.job.id);
  }

  start(job: Job, claimedAt: number): void {
    // Claims filter by this worker's task names, so the task is always known.
    const task = this.context.tasks.get(job.task) as Task;
    const running = new RunningJob(job, claimedAt, task.timeoutMs);
    this.running.set(attemptKey(job), running);
    this.track(this.run(task, running));
  }

  /** Record how a held job ended without running: handed back on stop, or cancelled. */
  settleUnstarted(job: Job, kind: 'released' | 'cancelled'): void {
    const { batcher, events, workerId, onSettled } = this.context;
    const ref = { id: job.id, attempt: job.attempt, workerId };
    const update = kind === 'released' ? jobReleased(ref, new Date()) : jobCancelled(ref, new Date(), null);
    this.track(
      batcher.record(update).then((result) => {
        const applied = result === 'applied';
        if (applied && kind === 'cancelled') events.emit('job-finished', job.id);
        onSettled(job, update, applied);
      }),
    );
  }

  /** Abort the running attempts of this job (any attempt of it still running here). */
  abortJob(jobId: string, reason: AbortReason): void {
    for (const running of this.running.values()) if (running.job.id === jobId) running.abort(reason);
  }

  abortAll(reason: AbortReason): void {
    for (const running of this.running.values()) running.abort(reason);
  }

  /**
   * Act on what a heartbeat that started at `beatStartedAt` returned: abort attempts whose lease it
   * did not return (claimed before the beat began, so it would have) as lost, and those with a cancel
   * request as cancelled.
   */
  reconcile(leases: ReadonlyMap<string, JobLease>, beatStartedAt: number): void {
    for (const running of this.running.values()) {
      const lease = leases.get(running.job.id);
      if (lease === undefined || lease.attempt !== running.job.attempt) {
        if (running.claimedAt < beatStartedAt) running.abort('lease-lost');
      } else if (lease.cancelRequested) {
        running.abort('cancel');
      }
    }
  }

  /** True when no attempt is running, or none is within `ms`. */
  waitForIdle(ms: number): Promise<boolean> {
    if (this.running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => resolve(false), ms) : undefined;
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Resolves once every run and outcome write under way now has settled. */
  async settled(): Promise<void> {
    await Promise.all(this.settling);
  }

  private track(settling: Promise<void>): void {
    const tracked = settling.finally(() => this.settling.delete(tracked));
    this.settling.add(tracked);
  }

  private async run(task: Task, running: RunningJob): Promise<void> {
    const { store, workerId, logger, events, batcher } = this.context;
    const { job } = running;
    this.context.onStarted(job);
    const outcome = await executeAttempt(task, running, { store, workerId, logger, resources: this.context.resources() });
    const update = outcomeToUpdate(job, workerId, outcome, task.retry.backoff, new Date());
    this.running.delete(attemptKey(job));
    this.context.onSlotFreed();
    if (this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    if (update === null) {
      logger.warn({ jobId: job.id, attempt: job.attempt }, 'lease lost while running; another worker owns the job now');
      this.context.onSettled(job, null, false);
      return;
    }
    const applied = (await batcher.record(update)) === 'applied';
    if (update.kind === 'failed' || update.kind === 'dead') {
      logger.warn({ jobId: job.id, task: job.task, attempt: job.attempt, state: update.kind, error: update.error.message }, 'job attempt failed');
    }
    if (applied && (update.kind === 'succeeded' || update.kind === 'dead' || update.kind === 'cancelled')) {
      events.emit('job-finished', job.id);
    }
    this.context.onSettled(job, update, applied);
  }
}

function attemptKey(job: Job): string {
  return `${job.id}:${job.attempt}`;
}
