/**
 * A worker serves some queues with a concurrency limit: it claims jobs in batches, runs them, and
 * records how each attempt ended.
 *
 * Modes:
 * - CREATED: nothing open yet.
 * - STARTING: resources are created and the worker registers itself in the store.
 * - RUNNING: the claim loop alternates between CLAIMING (one atomic batch claim for the free slots)
 *   and WAITING (until a slot frees, a job arrives in this process, or the poll interval passes).
 *   Beside it, the heartbeat renews the registry record and every lease this worker holds, and
 *   aborts jobs that were cancelled or whose lease was lost; maintenance promotes, recovers, prunes.
 * - STOPPING: no more claims; in-flight jobs get `drainMs` to finish, then are aborted and handed
 *   back (released) so another worker takes them at once; outcomes are flushed, the record removed,
 *   resources closed.
 * - STOPPED.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RetentionOptions } from '../config.js';
import type { ConveyorEvents } from '../events.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { JobStateUpdate, Store, WorkerRecord } from '../store/store.js';
import type { Task } from '../task.js';
import { CompletionBatcher } from './completion-batcher.js';
import { executeAttempt } from './execute-job.js';
import { Maintenance } from './maintenance.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { outcomeToUpdate } from './outcome.js';
import { ResourceSet } from './resources.js';
import { RunningJob } from './running-job.js';
import { Ticker } from './ticker.js';

export type WorkerMode = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface WorkerEventMap {
  /** An attempt started on this worker. */
  'job-started': [job: Job];
  /**
   * An attempt ended and its outcome was recorded. `update` is null, and `applied` false, when the
   * lease had been lost and another worker owns the job.
   */
  'job-settled': [job: Job, update: JobStateUpdate | null, applied: boolean];
}

const CLAIM_ERROR_MAX_BACKOFF_MS = 5_000;

export class Worker extends EventEmitter<WorkerEventMap> {
  readonly id = randomUUID();
  private readonly options: ResolvedWorkerOptions;
  private readonly logger: Logger;
  private readonly batcher: CompletionBatcher;
  private readonly heartbeat: Ticker;
  private readonly maintenanceTicker: Ticker | null;
  /**
   * Attempts in flight, by job id and attempt: an attempt that lost its lease may still be running
   * here when the same job, recovered, is claimed again by this very worker.
   */
  private readonly running = new Map<string, RunningJob>();
  private readonly attempts = new Set<Promise<void>>();
  private modeValue: WorkerMode = 'created';
  private resources: ResourceSet | null = null;
  private starting: Promise<void> | null = null;
  private claimLoop: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private wakeRequested = false;
  private wake: (() => void) | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly startedAt = new Date();
  private readonly taskNames: string[];

  constructor(
    private readonly store: Store,
    private readonly events: ConveyorEvents,
    options: WorkerOptions,
    retention: RetentionOptions,
    logger: Logger,
  ) {
    super();
    this.options = resolveWorkerOptions(options);
    this.taskNames = [...this.options.tasks.keys()];
    this.logger = logger.child({ workerId: this.id });
    this.batcher = new CompletionBatcher(store, this.logger);
    const logError = (error: unknown) => this.logger.error({ err: error }, 'background step failed');
    this.heartbeat = new Ticker(this.options.heartbeatIntervalMs, () => this.beat(), logError);
    const { maintenance } = this.options;
    if (maintenance === false) {
      this.maintenanceTicker = null;
    } else {
      const runner = new Maintenance(store, { ...maintenance, retention }, this.logger);
      this.maintenanceTicker = new Ticker(maintenance.intervalMs, () => runner.run(), logError);
    }
  }

  get mode(): WorkerMode {
    return this.modeValue;
  }

  /** The queues this worker serves. */
  get queues(): readonly string[] {
    return this.options.queues;
  }

  /** The names of the tasks this worker runs. */
  get taskNamesServed(): readonly string[] {
    return this.taskNames;
  }

  /** How many jobs it runs at once. */
  get concurrency(): number {
    return this.options.concurrency;
  }

  /** Jobs running on this worker now. */
  get runningJobIds(): string[] {
    return [...this.running.values()].map((running) => running.job.id);
  }

  /** Create resources, register, and start claiming. Resolves once the worker is serving. */
  start(): Promise<void> {
    if (this.modeValue !== 'created') return Promise.reject(new Error(`Worker ${this.id} was already started (it is ${this.modeValue})`));
    this.starting = this.startUp();
    return this.starting;
  }

  private async startUp(): Promise<void> {
    this.modeValue = 'starting';
    try {
      this.resources = await ResourceSet.create(this.options.resources, this.logger);
      await this.store.workerRegister({ worker: this.record(new Date()) });
    } catch (error) {
      await this.resources?.close(this.logger);
      this.modeValue = 'stopped';
      throw error;
    }
    this.events.on('jobs-available', this.onJobsAvailable);
    this.events.on('cancel-requested', this.onCancelRequested);
    this.modeValue = 'running';
    this.heartbeat.start();
    this.maintenanceTicker?.start();
    this.claimLoop = this.runClaimLoop();
    this.logger.info({ queues: this.options.queues, tasks: this.taskNames, concurrency: this.options.concurrency }, 'worker started');
  }

  /** Stop claiming, let in-flight jobs finish within `drainMs`, hand back the rest, and close everything. */
  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  /** Run maintenance once now (tests and the CLI use it instead of waiting for the interval). */
  async runMaintenance(): Promise<void> {
    await this.maintenanceTicker?.runNow();
  }

  private async shutDown(): Promise<void> {
    // A stop during start-up waits for it, so what start-up opened is closed below.
    if (this.modeValue === 'starting') await this.starting?.catch(() => undefined);
    if (this.modeValue === 'created' || this.modeValue === 'stopped') {
      this.modeValue = 'stopped';
      return;
    }
    this.modeValue = 'stopping';
    this.nudge();
    await this.claimLoop;
    if (!(await this.waitForIdle(this.options.drainMs))) {
      this.logger.warn({ jobs: this.runningJobIds }, 'drain time passed; aborting and releasing in-flight jobs');
      for (const running of this.running.values()) running.abort('shutdown');
    }
    await Promise.all(this.attempts);
    await this.batcher.drain();
    await Promise.all([this.heartbeat.stop(), this.maintenanceTicker?.stop()]);
    this.events.off('jobs-available', this.onJobsAvailable);
    this.events.off('cancel-requested', this.onCancelRequested);
    await this.store.workerDeregister({ id: this.id }).catch((error: unknown) => this.logger.error({ err: error }, 'deregistering failed'));
    await this.resources?.close(this.logger);
    this.modeValue = 'stopped';
    this.logger.info('worker stopped');
  }

  private async runClaimLoop(): Promise<void> {
    let failures = 0;
    while (this.modeValue === 'running') {
      this.wakeRequested = false;
      // With a synchronous store and instant handlers the loop could run on microtasks alone, and
      // starve timers and I/O (heartbeats, outcome writes): give the event loop a turn per claim.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const free = this.options.concurrency - this.running.size;
      let claimedAll = false;
      if (free > 0 && this.modeValue === 'running') {
        try {
          claimedAll = (await this.claim(free)) === free;
          failures = 0;
        } catch (error) {
          failures += 1;
          const backoffMs = Math.min(CLAIM_ERROR_MAX_BACKOFF_MS, this.options.pollIntervalMs * 2 ** failures);
          this.logger.error({ err: error, retryInMs: backoffMs }, 'claiming jobs failed');
          await this.sleep(backoffMs);
          continue;
        }
      }
      // A full batch means more may be waiting: claim again as soon as a slot is free.
      if (claimedAll && this.running.size < this.options.concurrency) continue;
      if (!this.wakeRequested) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private async claim(limit: number): Promise<number> {
    const now = new Date();
    const jobs = await this.store.jobClaim({
      queues: this.options.queues,
      tasks: this.taskNames,
      workerId: this.id,
      limit,
      now,
      leaseExpiresAt: new Date(now.getTime() + this.options.leaseMs),
    });
    // Taken after the claim committed: a heartbeat that began later is sure to see these leases.
    const claimedAt = Date.now();
    for (const job of jobs) this.startAttempt(job, claimedAt);
    return jobs.length;
  }

  private startAttempt(job: Job, claimedAt: number): void {
    // Claims filter by this worker's task names, so the task is always known.
    const task = this.options.tasks.get(job.task) as Task;
    const running = new RunningJob(job, claimedAt, task.timeoutMs);
    this.running.set(attemptKey(job), running);
    const attempt = this.runAttempt(task, running).finally(() => this.attempts.delete(attempt));
    this.attempts.add(attempt);
  }

  private async runAttempt(task: Task, running: RunningJob): Promise<void> {
    const { job } = running;
    this.emit('job-started', job);
    const outcome = await executeAttempt(task, running, { store: this.store, workerId: this.id, logger: this.logger, resources: this.resources!.values });
    const update = outcomeToUpdate(job, this.id, outcome, task.retry.backoff, new Date());
    this.running.delete(attemptKey(job));
    this.onSlotFreed();
    if (update === null) {
      this.logger.warn({ jobId: job.id, attempt: job.attempt }, 'lease lost while running; another worker owns the job now');
      this.emit('job-settled', job, null, false);
      return;
    }
    const applied = await this.batcher.record(update);
    if (update.kind === 'failed' || update.kind === 'dead') {
      this.logger.warn({ jobId: job.id, task: job.task, attempt: job.attempt, state: update.kind, error: update.error.message }, 'job attempt failed');
    }
    if (applied && (update.kind === 'succeeded' || update.kind === 'dead' || update.kind === 'cancelled')) {
      this.events.emit('job-finished', job.id);
    }
    this.emit('job-settled', job, update, applied);
  }

  /** Renew this worker's record and leases; abort what was cancelled or lost. */
  private async beat(): Promise<void> {
    const startedAt = Date.now();
    const now = new Date(startedAt);
    try {
      if (!(await this.store.workerHeartbeat({ id: this.id, now }))) {
        // Pruned as dead (e.g. after a long pause): come back.
        await this.store.workerRegister({ worker: this.record(now) });
      }
      const leases = await this.store.jobLeaseExtend({ workerId: this.id, leaseExpiresAt: new Date(startedAt + this.options.leaseMs) });
      const held = new Map(leases.map((lease) => [lease.id, lease]));
      for (const running of this.running.values()) {
        const lease = held.get(running.job.id);
        if (lease === undefined || lease.attempt !== running.job.attempt) {
          if (running.claimedAt < startedAt) running.abort('lease-lost');
        } else if (lease.cancelRequested) {
          running.abort('cancel');
        }
      }
    } catch (error) {
      this.logger.error({ err: error }, 'heartbeat failed; leases were not renewed');
    }
  }

  private record(now: Date): WorkerRecord {
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      queues: this.options.queues,
      tasks: this.taskNames,
      concurrency: this.options.concurrency,
      startedAt: this.startedAt,
      lastHeartbeatAt: now,
    };
  }

  private readonly onJobsAvailable = (queues: string[]): void => {
    if (queues.some((queue) => this.options.queues.includes(queue))) this.nudge();
  };

  private readonly onCancelRequested = (jobId: string): void => {
    for (const running of this.running.values()) if (running.job.id === jobId) running.abort('cancel');
  };

  private onSlotFreed(): void {
    this.nudge();
    if (this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private nudge(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  /** True when no job is running, or becomes so within `ms`. */
  private waitForIdle(ms: number): Promise<boolean> {
    if (this.running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

function attemptKey(job: Job): string {
  return `${job.id}:${job.attempt}`;
}
