/**
 * The attempts of one worker: each started job run to its outcome, and every outcome (of a run, or of
 * a held job handed back or cancelled unstarted) handed to the batcher. It also keeps what `stop()`
 * waits on: until no attempt runs, then until every outcome has been handed over.
 *
 * An attempt holds its slot until its handler has returned, not merely until its outcome is known:
 * a handler that ignores its abort (timeout, cancel, lost lease, shutdown) goes on running, and the
 * worker must neither give its slot to another job nor start the same job's next attempt beside it.
 * Its outcome is still recorded at the abort, so the job moves on; such handlers are reported
 * (`ignoringAbort`, logged once each) until they return.
 *
 * Nothing a handler returns or throws, and nothing a listener does, can throw out of an attempt:
 * every step after the handler is total or guarded, so a hostile value fails its own job only.
 */
import type { ArtifactSettings } from '../artifacts/settings.js';
import type { Clock } from '../clock.js';
import type { StepWriter } from '../steps/step-writer.js';
import type { ConveyorEvents } from '../events.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { HandlerIgnoringAbort, JobLease, JobStateUpdate, Store } from '../store/store.js';
import { jobCancelled, jobReleased, jobSnoozed } from '../store/state-updates.js';
import type { Resources, Task } from '../task.js';
import type { CompletionBatcher } from './completion-batcher.js';
import { executeAttempt } from './execute-job.js';
import { attemptError, type AbortReason, type AttemptOutcome, type OutcomeLimits, outcomeToUpdate, refusedOutcomeUpdate } from './outcome.js';
import { RunningJob } from './running-job.js';
import { startAttemptSpan } from '../tracing/consumer.js';

export interface AttemptsContext {
  store: Store;
  workerId: string;
  logger: Logger;
  events: ConveyorEvents;
  batcher: CompletionBatcher;
  tasks: ReadonlyMap<string, Task>;
  limits: OutcomeLimits;
  /** Where `ctx.artifacts` writes, and its limits. */
  artifacts: ArtifactSettings;
  /** Group commit for the steps of this worker's attempts. */
  stepWriter: StepWriter;
  /** The worker's resources; read as each attempt starts (they exist once the worker has started). */
  resources: () => Resources;
  /** Told as an attempt starts (the worker re-emits it as `job-started`). */
  onStarted: (job: Job) => void;
  /** Told once an attempt's outcome was recorded, or given up (the worker re-emits it as `job-settled`). */
  onSettled: (job: Job, update: JobStateUpdate | null, applied: boolean) => void;
  /** Told when an attempt's handler has returned, so the slot can be reused at once. */
  onSlotFreed: () => void;
  /** Whether an attempt may start now (false once the worker is stopping). */
  canStart: () => boolean;
  /** Where outcomes (retries' backoff, snoozes), sleeps and progress read the time. */
  clock: Clock;
}

/** A handler still running this long after its abort is reported as ignoring it. */
export const ABORT_GRACE_MS = 1_000;

/** How long a job claimed while an earlier attempt of it still runs here waits before it is offered again. */
export const OVERLAP_DEFER_MS = 1_000;

export class Attempts {
  /**
   * Attempts holding a slot, by job id and attempt: an attempt that lost its lease may still be
   * running here when the same job, recovered, is claimed again by this very worker.
   */
  private readonly running = new Map<string, RunningJob>();
  /** Attempts whose outcome is not yet handed to the batcher. */
  private undecided = 0;
  /** Jobs claimed again while an earlier attempt of theirs still runs here (`startAfter`). */
  private waitingToStart = 0;
  /** Outcome writes not yet settled. */
  private readonly settling = new Set<Promise<void>>();
  /** Attempts already logged as ignoring their abort. */
  private readonly reported = new WeakSet<RunningJob>();
  private idleWaiters: Array<() => void> = [];
  private decidedWaiters: Array<() => void> = [];

  constructor(private readonly context: AttemptsContext) {}

  /** How many slots are busy now, handlers that ignore their abort included, and jobs waiting for one (`startAfter`). */
  get runningCount(): number {
    return this.running.size + this.waitingToStart;
  }

  /** The ids of the jobs whose handlers are running now. */
  get runningJobIds(): string[] {
    return [...this.running.values()].map((running) => running.job.id);
  }

  /** Handlers aborted at least `ABORT_GRACE_MS` ago that have not returned, oldest first. */
  ignoringAbort(now = Date.now()): HandlerIgnoringAbort[] {
    return this.ignoringAbortAttempts(now).map(({ job, abortReason, abortedAt }) => ({
      jobId: job.id,
      attempt: job.attempt,
      task: job.task,
      reason: abortReason!,
      abortedAt: new Date(abortedAt!),
    }));
  }

  /** Log, once each, the handlers that began ignoring their abort since the last call; returns all of them. */
  reportIgnoringAbort(now = Date.now()): HandlerIgnoringAbort[] {
    for (const running of this.ignoringAbortAttempts(now)) {
      if (this.reported.has(running)) continue;
      this.reported.add(running);
      const { job, abortReason, abortedAt } = running;
      this.context.logger.warn(
        { jobId: job.id, attempt: job.attempt, task: job.task, reason: abortReason, sinceMs: now - abortedAt! },
        'a handler ignores its abort signal and is still running; its slot stays busy until it returns',
      );
    }
    return this.ignoringAbort(now);
  }

  private ignoringAbortAttempts(now: number): RunningJob[] {
    return [...this.running.values()]
      .filter((running) => running.abortedAt !== null && now - running.abortedAt >= ABORT_GRACE_MS)
      .sort((a, b) => a.abortedAt! - b.abortedAt!);
  }

  start(job: Job, claimedAt: number): void {
    const earlier = [...this.running.values()].find((running) => running.job.id === job.id);
    if (earlier !== undefined) {
      this.startAfter(earlier, job, claimedAt);
      return;
    }
    // Claims filter by this worker's task names, so the task is always known.
    const task = this.context.tasks.get(job.task) as Task;
    const running = new RunningJob(job, claimedAt, task.timeoutMs, startAttemptSpan(job));
    this.running.set(attemptKey(job), running);
    this.undecided += 1;
    this.run(task, running);
  }

  /**
   * Never run two attempts of a job at once: this worker claimed `job` again while an earlier attempt
   * of it still runs here. Holding the newer lease, it knows the earlier one is lost: abort it, wait
   * up to `ABORT_GRACE_MS` for its handler to return, then start the new attempt; if the handler
   * ignores its abort, hand the job back instead (offered again after `OVERLAP_DEFER_MS`).
   */
  private startAfter(earlier: RunningJob, job: Job, claimedAt: number): void {
    earlier.abort('lease-lost');
    this.waitingToStart += 1;
    const grace = new Promise<false>((resolve) => setTimeout(resolve, ABORT_GRACE_MS, false).unref());
    this.track(
      Promise.race([earlier.returned.then(() => true), grace]).then((returned) => {
        this.waitingToStart -= 1;
        if (returned && this.context.canStart()) return this.start(job, claimedAt);
        if (!returned) this.context.logger.warn({ jobId: job.id, attempt: job.attempt, deferMs: OVERLAP_DEFER_MS }, 'claimed a job whose earlier attempt still runs here; handing it back');
        this.settleUnstarted(job, returned ? 'released' : 'deferred');
      }),
    );
  }

  /**
   * Record how a claimed job ended without running: handed back on stop, cancelled, or deferred
   * (offered again after `OVERLAP_DEFER_MS`, this attempt not counted).
   */
  settleUnstarted(job: Job, kind: 'released' | 'cancelled' | 'deferred'): void {
    const { batcher, events, workerId } = this.context;
    const ref = { id: job.id, attempt: job.attempt, workerId };
    const now = this.context.clock.now();
    const update = kind === 'released' ? jobReleased(ref, now) : kind === 'cancelled' ? jobCancelled(ref, now, null) : jobSnoozed(ref, now, new Date(now.getTime() + OVERLAP_DEFER_MS));
    this.track(
      batcher.record(update).then(({ result }) => {
        const applied = result === 'applied';
        if (applied && kind === 'cancelled') events.emit('job-finished', job.id);
        this.notify('job-settled', () => this.context.onSettled(job, update, applied));
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
      if (running.abortReason !== null) continue;
      const lease = leases.get(running.job.id);
      if (lease === undefined || lease.attempt !== running.job.attempt) {
        if (running.claimedAt < beatStartedAt) running.abort('lease-lost');
      } else if (lease.cancelRequested) {
        running.abort('cancel');
      }
    }
  }

  /** True when every handler has returned, or false if one still runs after `ms`. */
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

  /** Resolves once every attempt started so far has its outcome (aborted ones have it at once). */
  waitForOutcomes(): Promise<void> {
    if (this.undecided === 0) return Promise.resolve();
    return new Promise((resolve) => this.decidedWaiters.push(resolve));
  }

  /** Resolves once every outcome write under way now has settled. */
  async settled(): Promise<void> {
    await Promise.all(this.settling);
  }

  private track(settling: Promise<void>): void {
    const tracked = settling.finally(() => this.settling.delete(tracked));
    this.settling.add(tracked);
  }

  private run(task: Task, running: RunningJob): void {
    const { store, workerId, logger, artifacts, stepWriter } = this.context;
    const { job } = running;
    this.notify('job-started', () => this.context.onStarted(job));
    const attempt = executeAttempt(task, running, { store, workerId, logger, artifacts, stepWriter, resources: this.context.resources(), clock: this.context.clock });
    running.handlerRunning(attempt.returned);
    void attempt.returned.then(() => this.handlerReturned(running));
    this.track(
      attempt.outcome
        .then((outcome) => this.decided(task, running, outcome))
        .catch((error: unknown) => logger.error({ err: error, jobId: job.id, attempt: job.attempt }, 'recording the outcome failed; the job runs again once its lease expires')),
    );
  }

  /** The handler returned: free its slot (only now, even when its outcome was decided long before). */
  private handlerReturned(running: RunningJob): void {
    this.running.delete(attemptKey(running.job));
    if (this.reported.has(running) && running.abortedAt !== null) {
      this.context.logger.info({ jobId: running.job.id, attempt: running.job.attempt, afterAbortMs: Date.now() - running.abortedAt }, 'a handler that ignored its abort has returned; its slot is free');
    }
    this.notify('slot freed', () => this.context.onSlotFreed());
    if (this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async decided(task: Task, running: RunningJob, outcome: AttemptOutcome): Promise<void> {
    const { job } = running;
    const update = this.updateFor(task, job, outcome);
    running.span?.end(outcome, update);
    this.undecided -= 1;
    if (this.undecided === 0) for (const resolve of this.decidedWaiters.splice(0)) resolve();
    if (update === null) {
      this.context.logger.warn({ jobId: job.id, attempt: job.attempt }, 'lease lost while running; another worker owns the job now');
      this.notify('job-settled', () => this.context.onSettled(job, null, false));
      return;
    }
    const instead = (refusal: unknown) => refusedOutcomeUpdate(job, update, refusal, task.retry.backoff, this.context.clock.now());
    const recorded = await this.context.batcher.record(update, instead);
    this.afterRecorded(job, recorded.update, recorded.result === 'applied');
  }

  /** `outcomeToUpdate`, which is total; should it ever throw all the same, the attempt fails saying so. */
  private updateFor(task: Task, job: Job, outcome: AttemptOutcome): JobStateUpdate | null {
    const { workerId, limits, clock } = this.context;
    try {
      return outcomeToUpdate(job, workerId, outcome, task.retry.backoff, clock.now(), limits);
    } catch (error) {
      const failure = new Error(`Conveyor could not read how the handler ended: ${attemptError(job, error, clock.now()).message}`);
      return outcomeToUpdate(job, workerId, { kind: 'threw', error: failure }, task.retry.backoff, clock.now(), limits);
    }
  }

  private afterRecorded(job: Job, update: JobStateUpdate, applied: boolean): void {
    if (update.kind === 'failed' || update.kind === 'dead') {
      this.context.logger.warn({ jobId: job.id, task: job.task, attempt: job.attempt, state: update.kind, error: update.error.message }, 'job attempt failed');
    }
    if (applied && (update.kind === 'succeeded' || update.kind === 'dead' || update.kind === 'cancelled')) {
      this.notify('job-finished', () => this.context.events.emit('job-finished', job.id));
    }
    this.notify('job-settled', () => this.context.onSettled(job, update, applied));
  }

  /** Tell a listener; one that throws is logged, and the attempt goes on. */
  private notify(what: string, tell: () => void): void {
    try {
      tell();
    } catch (error) {
      this.context.logger.error({ err: error, event: what }, 'a listener threw; the worker goes on');
    }
  }
}

function attemptKey(job: Job): string {
  return `${job.id}:${job.attempt}`;
}
