/**
 * A worker serves some queues with a concurrency limit: it claims jobs in batches, runs them, and
 * records how each attempt ended.
 *
 * Modes:
 * - CREATED: nothing open yet.
 * - STARTING: resources are created and the worker registers itself in the store.
 * - RUNNING: the claim loop alternates between CLAIMING (one atomic batch claim for the free slots)
 *   and WAITING (until a slot frees, a job arrives in this process or the store says one arrived
 *   elsewhere, or the poll interval passes). Beside it, the heartbeat renews the registry record and
 *   every lease this worker holds, and aborts jobs that were cancelled or whose lease was lost;
 *   maintenance promotes, recovers, prunes.
 * - STOPPING: no more claims; in-flight jobs get `drainMs` to finish, then are aborted and handed
 *   back (released) so another worker takes them at once; outcomes are flushed, the record removed,
 *   resources closed.
 * - STOPPED.
 *
 * Store outages (F9): every background store call reports to a `StoreConnectionTracker`, which the
 * worker exposes as `storeConnection` and the `store-connection` event. During an outage claims and
 * outcome writes retry with backoff and jitter, and running jobs go on: a failed heartbeat aborts
 * nothing. When the store answers again, the heartbeat runs at once: leases still held are renewed,
 * and attempts whose lease expired meanwhile are aborted as lost. Each step of `stop()` after the
 * drain is bounded, so a worker stops even while its store is unreachable; outcomes it could not
 * record are named in a warning, and their jobs run again once their leases expire (at least once).
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../clock.js';
import type { RetentionOptions } from '../config.js';
import type { ConveyorEvents } from '../events.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import { taskShape } from '../task-shape.js';
import type { ArtifactSettings } from '../artifacts/settings.js';
import { StepWriter } from '../steps/step-writer.js';
import type { DependencyStatus, HandlerIgnoringAbort, JobLease, JobStateUpdate, Store, StoreNotice, TaskShape, WorkerRecord } from '../store/store.js';
import { ABORT_GRACE_MS, Attempts } from './attempts.js';
import { CompletionBatcher } from './completion-batcher.js';
import { DependencyMonitor } from './dependency-monitor.js';
import { Maintenance } from './maintenance.js';
import { ScheduleFiring } from './schedule-firing.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { PrefetchedJobs } from './prefetched-jobs.js';
import { ResourceSet } from './resources.js';
import { settledWithin } from './settled-within.js';
import { StoreConnectionTracker, type StoreConnectionStatus } from './store-connection.js';
import { storeRetryDelayMs } from './store-retry.js';
import { Ticker } from './ticker.js';
import { WakeSignal } from './wake-signal.js';

export type WorkerMode = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface WorkerEventMap {
  /** An attempt started on this worker. */
  'job-started': [job: Job];
  /**
   * An attempt ended and its outcome was recorded. `update` is null, and `applied` false, when the
   * lease had been lost and another worker owns the job. `applied` is also false when the lease was
   * lost by the time the outcome was written, or when `stop()` gave up writing it during an outage.
   */
  'job-settled': [job: Job, update: JobStateUpdate | null, applied: boolean];
  /** This worker's maintenance re-queued (or ended) this many jobs whose lease had expired (F2). */
  'leases-recovered': [count: number];
  /** The store became unreachable, or reachable again. `previous` holds the error and start of an outage that ended. */
  'store-connection': [status: StoreConnectionStatus, previous: StoreConnectionStatus];
  /** A dependency of this worker's tasks went down or came back up (see `Task.dependencies`). */
  dependency: [status: DependencyStatus];
}

/**
 * Each step of `stop()` after the drain (flushing outcomes, stopping background steps, deregistering,
 * closing each resource) waits at most `drainMs`, and at least this, so `drainMs: 0` still lets a
 * healthy store take the last outcomes.
 */
const STOP_STEP_MIN_MS = 1_000;

export class Worker extends EventEmitter<WorkerEventMap> {
  readonly id = randomUUID();
  private readonly options: ResolvedWorkerOptions;
  private readonly logger: Logger;
  private readonly batcher: CompletionBatcher;
  private readonly connection: StoreConnectionTracker;
  private readonly heartbeat: Ticker;
  private readonly maintenanceTicker: Ticker | null;
  /** Fires due cron schedules; runs more often than maintenance, and only where maintenance runs. */
  private readonly scheduleTicker: Ticker | null;
  /** Runs the jobs started here and records every outcome, including those of held jobs that never ran. */
  private readonly attempts: Attempts;
  /** Claimed ahead of the free slots (`prefetch`), started as slots free. */
  private readonly prefetched = new PrefetchedJobs();
  private modeValue: WorkerMode = 'created';
  private resources: ResourceSet | null = null;
  private starting: Promise<void> | null = null;
  private claimLoop: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly wakeSignal = new WakeSignal();
  private stopListening: (() => void) | null = null;
  /** Set when `stop()` stopped waiting for a claim in flight: whatever it claims later is not run here. */
  private claimAbandoned = false;
  /** Set once `stop()` removes the registry record: a late heartbeat must not add it back. */
  private deregistering = false;
  private readonly startedAt = new Date();
  private readonly taskNames: string[];
  /** Each task's queue and input fingerprint, recorded at registration (read once: converting a schema costs). */
  private readonly taskShapes: TaskShape[];
  private readonly dependencyMonitor: DependencyMonitor;

  constructor(
    private readonly store: Store,
    private readonly events: ConveyorEvents,
    options: WorkerOptions,
    retention: RetentionOptions,
    logger: Logger,
    artifacts: ArtifactSettings,
    /**
     * Where job times are read: claims and leases, outcomes (retries' backoff), sleeps, maintenance
     * and schedules. Heartbeats in the worker registry stay on the wall clock. @default systemClock
     */
    private readonly clock: Clock = systemClock,
  ) {
    super();
    this.options = resolveWorkerOptions(options);
    this.taskNames = [...this.options.tasks.keys()];
    this.taskShapes = [...this.options.tasks.values()].map(taskShape);
    this.logger = logger.child({ workerId: this.id });
    this.connection = new StoreConnectionTracker(this.logger, (status, previous) => this.onStoreConnection(status, previous));
    this.dependencyMonitor = new DependencyMonitor(this.options.tasks, this.options.dependencies, this.logger, (status) => this.onDependencyChange(status));
    this.batcher = new CompletionBatcher(store, this.connection, this.logger);
    this.attempts = new Attempts({
      store,
      workerId: this.id,
      logger: this.logger,
      events,
      batcher: this.batcher,
      tasks: this.options.tasks,
      limits: { maxResultBytes: this.options.maxResultBytes },
      artifacts,
      stepWriter: new StepWriter(store, clock),
      clock,
      resources: () => this.resources!.values,
      onStarted: (job) => this.emit('job-started', job),
      onSettled: (job, update, applied) => this.emit('job-settled', job, update, applied),
      onSlotFreed: () => this.onSlotFreed(),
      canStart: () => this.modeValue === 'running',
    });
    const logError = (error: unknown) => this.logger.error({ err: error }, 'background step failed');
    this.heartbeat = new Ticker(this.options.heartbeatIntervalMs, () => this.beat(), logError);
    const { maintenance } = this.options;
    if (maintenance === false) {
      this.maintenanceTicker = null;
      this.scheduleTicker = null;
    } else {
      const runner = new Maintenance(store, { ...maintenance, retention }, this.logger, this.connection, (count) => this.emit('leases-recovered', count), artifacts.backend);
      // Each backs off on its own failures, so a store that half works is not hammered by either.
      this.maintenanceTicker = new Ticker(() => this.connection.retryDelayMs('maintenance', maintenance.intervalMs), () => runner.run(clock.now()), logError);
      const schedules = new ScheduleFiring(store, this.options.tasks, events, this.logger, this.connection);
      this.scheduleTicker = new Ticker(() => this.connection.retryDelayMs('firing schedules', maintenance.scheduleIntervalMs), () => schedules.run(clock.now()), logError);
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

  /** Whether the store answers this worker's background calls, since when, and the latest error if not. */
  get storeConnection(): StoreConnectionStatus {
    return this.connection.status;
  }

  /** Jobs whose handlers are running on this worker now (handlers that ignore their abort included). */
  get runningJobIds(): string[] {
    return this.attempts.runningJobIds;
  }

  /**
   * Handlers still running at least a second after their attempt was aborted (timeout, cancel, lost
   * lease, shutdown): each holds its slot until it returns. Logged once each, and kept in the registry.
   */
  get handlersIgnoringAbort(): HandlerIgnoringAbort[] {
    return this.attempts.ignoringAbort();
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
      // Checked before the first claim, each within its timeout, so a service down at start holds its tasks back from the first claim on.
      await this.dependencyMonitor.start();
      // Listening before registering, so a job that arrives in between still wakes the claim loop.
      this.stopListening = this.store.noticeListen(this.onNotice);
      await this.store.workers.register({ worker: this.record(new Date()) });
    } catch (error) {
      this.stopListening?.();
      this.dependencyMonitor.stop();
      await this.resources?.close(this.logger, this.stopStepMs);
      this.modeValue = 'stopped';
      throw error;
    }
    this.events.on('jobs-available', this.onJobsAvailable);
    this.events.on('cancel-requested', this.onCancelRequested);
    this.modeValue = 'running';
    this.heartbeat.start();
    this.maintenanceTicker?.start();
    this.scheduleTicker?.start();
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

  /** Fire due cron schedules once now (tests use it instead of waiting for the interval). */
  async runSchedules(): Promise<void> {
    await this.scheduleTicker?.runNow();
  }

  private async shutDown(): Promise<void> {
    // A stop during start-up waits for it, so what start-up opened is closed below.
    if (this.modeValue === 'starting') await this.starting?.catch(() => undefined);
    if (this.modeValue === 'created' || this.modeValue === 'stopped') {
      this.modeValue = 'stopped';
      return;
    }
    this.modeValue = 'stopping';
    this.dependencyMonitor.stop();
    this.nudge();
    if (!(await settledWithin(this.claimLoop!, this.stopStepMs))) {
      this.claimAbandoned = true;
      this.logger.warn({ timeoutMs: this.stopStepMs }, 'a claim still had no answer from the store; stopping without it');
    }
    // Held jobs never started: hand them back at once, so another worker takes them now.
    for (const held of this.prefetched.takeAll()) this.attempts.settleUnstarted(held.job, 'released');
    if (!(await this.attempts.waitForIdle(this.options.drainMs))) {
      this.logger.warn({ jobs: this.runningJobIds }, 'drain time passed; aborting and releasing in-flight jobs');
      this.attempts.abortAll('shutdown');
    }
    await this.flushOutcomes();
    if (!(await settledWithin(Promise.all([this.heartbeat.stop(), this.maintenanceTicker?.stop(), this.scheduleTicker?.stop()]), this.stopStepMs))) {
      this.logger.warn({ timeoutMs: this.stopStepMs }, 'a heartbeat or maintenance run still had no answer from the store; stopping without it');
    }
    this.events.off('jobs-available', this.onJobsAvailable);
    this.events.off('cancel-requested', this.onCancelRequested);
    this.stopListening?.();
    this.stopListening = null;
    await this.deregister();
    await this.resources?.close(this.logger, this.stopStepMs);
    this.modeValue = 'stopped';
    const ignoring = this.attempts.ignoringAbort(Date.now() + ABORT_GRACE_MS);
    if (ignoring.length > 0) {
      this.logger.warn({ handlers: ignoring }, 'stopped while handlers that ignored their abort still run; they end only with the process');
    }
    this.logger.info('worker stopped');
  }

  /** Hand every outcome to the store, giving up after `stopStepMs` while it is unreachable. */
  private async flushOutcomes(): Promise<void> {
    // Aborted attempts have their outcome at once, whatever their handlers do; each one then hands it to the batcher.
    await this.attempts.waitForOutcomes();
    const unrecorded = await this.batcher.drain(this.stopStepMs);
    if (unrecorded.length > 0) {
      this.logger.warn(
        { jobIds: unrecorded.map((update) => update.id), timeoutMs: this.stopStepMs, storeConnection: this.connection.status },
        'stopping without recording these outcomes (the store did not take them in time); those jobs run again once their leases expire',
      );
    }
    await this.attempts.settled();
  }

  private async deregister(): Promise<void> {
    this.deregistering = true;
    const removing = this.store.workers.deregister({ id: this.id }).catch((error: unknown) => this.logger.error({ err: error }, 'deregistering failed; the record stays until pruned'));
    if (!(await settledWithin(removing, this.stopStepMs))) {
      this.logger.warn({ timeoutMs: this.stopStepMs }, 'deregistering had no answer from the store; the record stays until pruned');
    }
  }

  private get stopStepMs(): number {
    return Math.max(this.options.drainMs, STOP_STEP_MIN_MS);
  }

  private async runClaimLoop(): Promise<void> {
    let failures = 0;
    while (this.modeValue === 'running') {
      this.wakeSignal.reset();
      // With a synchronous store and instant handlers the loop could run on microtasks alone, and
      // starve timers and I/O (heartbeats, outcome writes): give the event loop a turn per claim.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const room = this.claimRoom();
      let claimedAll = false;
      if (room > 0 && this.modeValue === 'running') {
        try {
          claimedAll = (await this.claim(room)) === room;
          failures = 0;
        } catch {
          // The connection tracker logged it. A wake-up (a job arrived, the store is back) cuts the wait short.
          failures += 1;
          await this.wakeSignal.sleep(storeRetryDelayMs(failures, this.options.pollIntervalMs * 2));
          continue;
        }
      }
      // A full batch means more may be waiting: claim again as soon as there is room.
      if (claimedAll && this.claimRoom() > 0) continue;
      if (!this.wakeSignal.pending) await this.wakeSignal.sleep(this.options.pollIntervalMs);
    }
  }

  /**
   * How many jobs the next claim asks for: the free slots, plus the room left in the prefetch buffer.
   * With a buffer, a claim waits until the buffer is half empty, so claims stay large. An idle slot
   * needs no exception: held jobs take a slot as soon as one frees (`startPrefetched`), so while the
   * worker runs a slot idles only once the buffer is empty, and the room is then more than the buffer.
   */
  private claimRoom(): number {
    const { concurrency, prefetch } = this.options;
    const room = concurrency + prefetch - this.attempts.runningCount - this.prefetched.size;
    return room >= Math.ceil(prefetch / 2) ? room : 0;
  }

  private async claim(limit: number): Promise<number> {
    const now = this.clock.now();
    const blocked = this.dependencyMonitor.blockedTasks();
    const tasks = blocked.size === 0 ? this.taskNames : this.taskNames.filter((task) => !blocked.has(task));
    // Every task waits for a dependency that is down: nothing to claim until one is back (`onDependencyChange`).
    if (tasks.length === 0) return 0;
    const claimParams = {
      queues: this.options.queues,
      tasks,
      workerId: this.id,
      limit,
      now,
      leaseExpiresAt: new Date(now.getTime() + this.options.leaseMs),
    };
    const jobs = await this.connection.observe('claiming jobs', () => this.store.jobs.claim(claimParams));
    if (this.claimAbandoned) {
      if (jobs.length > 0) this.logger.warn({ jobIds: jobs.map((job) => job.id) }, 'claimed after stop() moved on; not running these, they run again once their leases expire');
      return 0;
    }
    // Taken after the claim committed: a heartbeat that began later is sure to see these leases.
    const claimedAt = Date.now();
    for (const job of jobs) {
      if (this.attempts.runningCount < this.options.concurrency) this.attempts.start(job, claimedAt);
      else this.prefetched.push(job, claimedAt);
    }
    return jobs.length;
  }

  /** Start held jobs while slots are free (not once the worker is stopping: it hands them back). */
  private startPrefetched(): void {
    while (this.modeValue === 'running' && this.attempts.runningCount < this.options.concurrency) {
      const held = this.prefetched.shift();
      if (held === undefined) return;
      this.attempts.start(held.job, held.claimedAt);
    }
  }

  /** Renew this worker's record and leases; abort what was cancelled or lost. A failure aborts nothing. */
  private async beat(): Promise<void> {
    const startedAt = Date.now();
    const now = new Date(startedAt);
    let leases: JobLease[];
    try {
      leases = await this.connection.observe('heartbeat', () => this.renew(now));
    } catch {
      // The connection tracker logged it. Leases were not renewed; the next beat tries again.
      return;
    }
    const held = new Map(leases.map((lease) => [lease.id, lease]));
    const prefetched = this.prefetched.reconcile(held, startedAt);
    if (prefetched.lost.length > 0) {
      this.logger.warn({ jobIds: prefetched.lost.map((lost) => lost.job.id) }, 'lease lost while held for a free slot; another worker owns these jobs now');
    }
    for (const cancelled of prefetched.cancelled) this.attempts.settleUnstarted(cancelled.job, 'cancelled');
    this.attempts.reconcile(held, startedAt);
  }

  private async renew(now: Date): Promise<JobLease[]> {
    // Logged once each here; recorded at every beat, so the dashboard and /metrics show them too.
    const handlersIgnoringAbort = this.attempts.reportIgnoringAbort(now.getTime());
    const dependencies = this.dependencyMonitor.statuses();
    if (!(await this.store.workers.heartbeat({ id: this.id, now, handlersIgnoringAbort, dependencies })) && !this.deregistering) {
      // Pruned as dead (e.g. after a long pause or outage): come back.
      await this.store.workers.register({ worker: this.record(now) });
    }
    return this.store.jobs.leaseExtend({ workerId: this.id, leaseExpiresAt: new Date(this.clock.now().getTime() + this.options.leaseMs) });
  }

  private record(now: Date): WorkerRecord {
    const { queues, concurrency } = this.options;
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      queues,
      tasks: this.taskNames,
      concurrency,
      startedAt: this.startedAt,
      lastHeartbeatAt: now,
      handlersIgnoringAbort: this.attempts.ignoringAbort(now.getTime()),
      dependencies: this.dependencyMonitor.statuses(),
      taskShapes: this.taskShapes,
    };
  }

  /** What the latest check of each dependency of this worker's tasks found. */
  get dependencies(): DependencyStatus[] {
    return this.dependencyMonitor.statuses();
  }

  /**
   * A dependency went down or came back: record it at once (so `/ready` and the dashboard show it
   * within one check), and claim again when tasks are free to run.
   */
  private onDependencyChange(status: DependencyStatus): void {
    this.emit('dependency', status);
    if (this.modeValue !== 'running') return;
    void this.heartbeat.runNow();
    if (status.up) this.nudge();
  }

  private readonly onJobsAvailable = (queues: string[]): void => {
    if (queues.some((queue) => this.options.queues.includes(queue))) this.nudge();
  };

  private readonly onCancelRequested = (jobId: string): void => {
    this.attempts.abortJob(jobId, 'cancel');
    const held = this.prefetched.take(jobId);
    if (held !== undefined) this.attempts.settleUnstarted(held.job, 'cancelled');
  };

  /** The same facts as the in-process events, from any process that shares the store. */
  private readonly onNotice = (notice: StoreNotice): void => {
    if (notice.kind === 'jobs-available') this.onJobsAvailable(notice.queues);
    else if (notice.kind === 'cancel-requested') this.onCancelRequested(notice.jobId);
    // Another process wrote: perhaps jobs. A claim that finds none writes nothing, so it wakes no one.
    else if (this.claimRoom() > 0) this.nudge();
  };

  private onStoreConnection(status: StoreConnectionStatus, previous: StoreConnectionStatus): void {
    if (status.state === 'connected') {
      // Renew the leases still held before they expire, and claim without waiting out the backoff.
      void this.heartbeat.runNow();
      this.nudge();
    }
    try {
      this.emit('store-connection', status, previous);
    } catch (error) {
      this.logger.error({ err: error }, 'a store-connection listener threw');
    }
  }

  /** A held job takes the slot; the claim loop is woken only when that leaves room to claim. */
  private onSlotFreed(): void {
    this.startPrefetched();
    if (this.claimRoom() > 0) this.nudge();
  }

  private nudge(): void {
    this.wakeSignal.request();
  }
}
