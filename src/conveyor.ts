/**
 * `Conveyor.open()` is the entry point: it validates configuration, opens and migrates the store,
 * and gives back the client API and a factory for workers that share its store.
 */
import { EVENT_NAME, type EventDefinition } from './step.js';
import type { ArtifactBackend } from './artifacts/backend.js';
import { ConveyorArtifacts } from './artifacts/conveyor-artifacts.js';
import { resolveArtifactSettings, type ArtifactOptions, type ArtifactSettings } from './artifacts/settings.js';
import { systemClock, type Clock } from './clock.js';
import { checkInteger, parseStoreUrl, resolveRetention, resolveStoreUrl, type RetentionOptions } from './config.js';
import { mergeQueueLimits, NO_QUEUE_LIMITS, type QueueLimitsOptions } from './client/queue-limits.js';
import { checkCallerTransaction } from './client/caller-transaction.js';
import { JobEventCursor, type JobEventCursorOptions } from './client/job-event-cursor.js';
import { LoginSessionClient } from './client/login-sessions.js';
import { buildJobInsert, type EnqueueOptions, type EnqueueResult } from './client/enqueue.js';
import { EnqueueBatcher } from './client/enqueue-batcher.js';
import { FlowClient } from './client/flows.js';
import { inEnqueueSpan } from './tracing/producer.js';
import { DEFAULT_WORKER_STALE_AFTER_MS, findOrphans, isWorkerLive, type OrphanReport } from './client/orphans.js';
import { checkScheduleNames, ScheduleClient } from './client/schedules.js';
import { waitForJob, type WaitForOptions } from './client/wait-for.js';
import { ConveyorConfigError, ConveyorNotFoundError, ConveyorStateError, ConveyorValidationError } from './errors.js';
import { ConveyorEvents } from './events.js';
import { Insights } from './insights/insights.js';
import { DUE_STATES, RETRYABLE_STATES, type Job, type JobState } from './job.js';
import { createDefaultLogger, type Logger } from './logger.js';
import type { Schedule } from './schedule/define-schedule.js';
import { openStore } from './store/open-store.js';
import type { CallerTransaction, JobInsert, JobInsertResult, JobListFilter, JobListPage, JobSummaryPage, MigrationStatus, QueueState, StepRecord, Store, StoreWritability, WorkerRecord } from './store/store.js';
import { parseEventPayload } from './validate.js';
import { checkName, type Task, type TaskInput, type TaskResult } from './task.js';
import type { WorkerOptions } from './worker/options.js';
import { Worker } from './worker/worker.js';

export interface ConveyorOptions {
  /**
   * A store URL, or a store you opened yourself.
   * @default process.env.CONVEYOR_STORE, else 'sqlite:./.conveyor/conveyor.db'
   * @example 'sqlite:./data/jobs.db'
   */
  store?: string | Store;
  /** Tasks this client may enqueue by name; enqueuing an unknown name then fails at once (F1). */
  tasks?: Task[];
  /** @default pino to stderr at CONVEYOR_LOG_LEVEL or 'info' */
  logger?: Logger;
  /** Apply pending migrations on open; when false, a database that needs them refuses to open. @default true */
  migrate?: boolean;
  /** How long finished jobs are kept. */
  retention?: Partial<RetentionOptions>;
  /** A worker whose heartbeat is older than this is stalled, and the jobs only it served are orphans. @default 10_000 */
  workerStaleAfterMs?: number;
  /**
   * Cron schedules (`defineSchedule`) to store on open. One already stored keeps its next tick when
   * its cron and time zone are unchanged. Schedules stored earlier and not listed stay: remove them
   * with `conveyor.schedules.remove(name)`.
   */
  schedules?: Schedule[];
  /** Where the files jobs write are kept and how big they may be, and the key that signs download links. */
  artifacts?: ArtifactOptions;
  /** Events jobs wait for (`defineEvent`): `sendEvent` and `POST /events/{name}` check payloads against their schemas. */
  events?: EventDefinition[];
  /**
   * Where this client reads the time: enqueue delays and `runAt`, schedules' next ticks, cancels and
   * retries. Tests pass a controllable one (`createTestConveyor` from `conveyor/testing` does).
   * @default systemClock (the wall clock)
   */
  clock?: Clock;
}

/** What `sendEvent` did. */
export interface SendEventResult {
  /** The event's position among sent events. */
  seq: string;
  /** Jobs whose wait it resolved, each now queued (or running, if it had not yet left its worker). */
  resolvedJobIds: string[];
}

/** A job enqueued with `enqueueMany`. */
export interface EnqueueItem {
  task: Task | string;
  input: unknown;
  options?: EnqueueOptions;
}

/** Options of one `enqueue` or `enqueueMany` call, as opposed to options of the job. */
export interface EnqueueCallOptions {
  /**
   * A transaction you opened on your own connection: the jobs are inserted inside it, so they exist
   * if and only if it commits (no job for a rolled-back order, no order without its job). Workers
   * see the jobs once you commit. PostgreSQL stores only (`store.capabilities.transactionalEnqueue`).
   *
   * @example
   * const client = await pool.connect();
   * await client.query('BEGIN');
   * await client.query('INSERT INTO orders …');
   * await conveyor.enqueue(sendEmail, input, { tx: client });
   * await client.query('COMMIT');
   */
  tx?: CallerTransaction;
}

export interface WorkerStatus extends WorkerRecord {
  /** False when its heartbeat stopped longer than `workerStaleAfterMs` ago. */
  live: boolean;
}

export class Conveyor {
  private readonly tasks: Map<string, Task>;
  private readonly events = new ConveyorEvents();
  private readonly workers = new Set<Worker>();
  /** Concurrent single enqueues (without `tx`) share a transaction and its commit. */
  private readonly enqueues = new EnqueueBatcher(
    (jobs, now) => this.store.jobs.insertMany({ jobs, now }),
    (results) => this.announceQueued(results),
  );
  private closing: Promise<void> | null = null;
  /** Cron schedules: upsert, list, pause, resume, remove. Workers fire them. */
  readonly schedules: ScheduleClient;
  /** Flows (chains, fan-out/fan-in): enqueue, get, cancel. */
  readonly flows: FlowClient;
  /** What operators read about the jobs as a whole: queue overviews, throughput, failure groups, readiness. */
  readonly insights: Insights;
  /** The files jobs wrote (`ctx.artifacts.put`): list them, stream one, or make a signed download link. */
  readonly artifacts: ConveyorArtifacts;

  /** Where artifacts' bytes live (for maintenance tools and tests; callers read through `artifacts`). */
  get artifactBackend(): ArtifactBackend {
    return this.artifactSettings.backend;
  }
  /** The records of dashboard login sessions (the HTTP server's `SessionAuthority` keeps them here). */
  readonly loginSessions: LoginSessionClient;

  private constructor(
    /**
     * The store this Conveyor talks to. For workers, tests and tools: the HTTP server, the dashboard
     * and the CLI go through the methods of Conveyor and `insights` instead.
     */
    readonly store: Store,
    readonly logger: Logger,
    tasks: Map<string, Task>,
    private readonly retention: RetentionOptions,
    private readonly workerStaleAfterMs: number,
    private readonly artifactSettings: ArtifactSettings,
    private readonly eventDefinitions: ReadonlyMap<string, EventDefinition>,
    /** Where this client reads the time (`ConveyorOptions.clock`). */
    readonly clock: Clock,
  ) {
    this.tasks = tasks;
    this.artifacts = new ConveyorArtifacts(store, artifactSettings);
    this.schedules = new ScheduleClient(store, clock);
    this.flows = new FlowClient(store, (task) => this.resolveTask(task), (tx) => checkCallerTransaction(store, 'flows.enqueue(flow, { tx })', tx), {
      jobsAvailable: (queues) => this.events.emit('jobs-available', queues),
      cancelRequested: (id) => this.events.emit('cancel-requested', id),
    }, clock);
    this.insights = new Insights(store, this);
    this.loginSessions = new LoginSessionClient(store);
  }

  /**
   * Validate the configuration, open the store and bring its schema up to date.
   *
   * @example
   * const conveyor = await Conveyor.open({ store: 'sqlite:./.conveyor/conveyor.db', tasks: [sendEmail] })
   */
  static async open(options: ConveyorOptions = {}): Promise<Conveyor> {
    const retention = resolveRetention(options.retention);
    const staleAfterMs = checkInteger('Conveyor.open({ workerStaleAfterMs })', options.workerStaleAfterMs ?? DEFAULT_WORKER_STALE_AFTER_MS, 100, 86_400_000, 10_000);
    const tasks = taskRegistry(options.tasks ?? []);
    checkScheduleNames('Conveyor.open({ schedules })', options.schedules ?? []);
    const logger = options.logger ?? createDefaultLogger();
    const clock = options.clock ?? systemClock;
    const store = typeof options.store === 'object' ? options.store : await openStoreFromUrl(options.store, logger);
    let artifacts: ArtifactSettings;
    try {
      artifacts = resolveArtifactSettings(options.artifacts, store, 'Conveyor.open({ artifacts })');
      if (options.migrate === false) {
        const status = await store.migrations.status();
        if (status.pending.length > 0) {
          throw new ConveyorConfigError('Conveyor.open({ migrate: false })', `the database is at version ${status.databaseVersion} and needs migrations ${status.pending.join(', ')} to reach ${status.packageVersion}; run \`conveyor migrate\` first`, 'migrate: true');
        }
      } else {
        await store.migrations.run({ now: clock.now() });
      }
      const scheduleClient = new ScheduleClient(store, clock);
      for (const schedule of options.schedules ?? []) await scheduleClient.upsert(schedule);
    } catch (error) {
      await store.close();
      throw error;
    }
    return new Conveyor(store, logger, tasks, retention, staleAfterMs, artifacts, eventRegistry(options.events ?? []), clock);
  }

  /**
   * Validate the input against the task's schema and store a job. Nothing is written when the input
   * or an option is invalid. With a dedup key held by an unfinished job, that job is returned with
   * `duplicate: true`.
   *
   * Without `tx`, calls made while another is being written share one transaction (group commit);
   * each still resolves only once its own job is committed.
   */
  async enqueue<T extends Task>(task: T, input: TaskInput<T>, options?: EnqueueOptions & EnqueueCallOptions): Promise<EnqueueResult<TaskInput<T>, TaskResult<T>>>;
  async enqueue(task: string, input: unknown, options?: EnqueueOptions & EnqueueCallOptions): Promise<EnqueueResult>;
  async enqueue(task: Task | string, input: unknown, options: EnqueueOptions & EnqueueCallOptions = {}): Promise<EnqueueResult> {
    const { tx, ...jobOptions } = options;
    const callerTx = checkCallerTransaction(this.store, 'enqueue(task, input, { tx })', tx);
    return inEnqueueSpan(
      async (traceContext) => {
        if (callerTx !== undefined) {
          const [result] = await this.insertJobs([{ task, input, options: jobOptions }], callerTx, traceContext);
          return result as EnqueueResult;
        }
        const now = this.clock.now();
        return this.enqueues.insert(await buildJobInsert(this.resolveTask(task), input, jobOptions, now, traceContext), now);
      },
      (result) => ({ jobs: [result.job], duplicate: result.duplicate }),
    );
  }

  /**
   * Enqueue several jobs in one transaction: all are validated first, and all are stored or none.
   * With `{ tx }`, that transaction is yours (see `EnqueueCallOptions.tx`).
   */
  async enqueueMany(items: EnqueueItem[], options: EnqueueCallOptions = {}): Promise<EnqueueResult[]> {
    const tx = checkCallerTransaction(this.store, 'enqueueMany(items, { tx })', options.tx);
    for (const [index, item] of items.entries()) {
      if (item.options !== undefined && 'tx' in item.options) {
        throw new ConveyorConfigError(`enqueueMany items[${index}].options.tx`, 'is not an option of one job: all the jobs of a call go in one transaction', 'conveyor.enqueueMany(items, { tx: client })');
      }
    }
    return inEnqueueSpan(
      (traceContext) => this.insertJobs(items, tx, traceContext),
      (results) => ({ jobs: results.map((result) => result.job) }),
    );
  }

  /** `traceContext`: the enqueue span's, stored on every job (`tracing/producer.ts`). */
  private async insertJobs(items: EnqueueItem[], tx: CallerTransaction | undefined, traceContext: string | null): Promise<EnqueueResult[]> {
    const now = this.clock.now();
    const inserts: JobInsert[] = [];
    for (const [index, item] of items.entries()) {
      inserts.push(await this.withItemIndex(items.length, index, () => buildJobInsert(this.resolveTask(item.task), item.input, item.options ?? {}, now, traceContext)));
    }
    if (inserts.length === 0) return [];
    // Jobs inside a caller's transaction are invisible until it commits: the store's own notice wakes workers then.
    if (tx !== undefined) return this.store.jobs.insertMany({ jobs: inserts, now, tx });
    const results = await this.store.jobs.insertMany({ jobs: inserts, now });
    this.announceQueued(results);
    return results;
  }

  /** Wake idle workers of this process for the committed jobs that are queued. */
  private announceQueued(results: JobInsertResult[]): void {
    const queues = [...new Set(results.filter((r) => r.job.state === 'queued').map((r) => r.job.queue))];
    if (queues.length > 0) this.events.emit('jobs-available', queues);
  }

  /** The tasks this client was opened with (`Conveyor.open({ tasks })`), by name: those it can validate input for. */
  listTasks(): Task[] {
    return [...this.tasks.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async getJob(id: string): Promise<Job | null> {
    return this.store.jobs.get({ id });
  }

  /** A page of jobs, newest first. Pass `nextCursor` back for the next page. */
  async listJobs(filter: JobListFilter = {}, page: { cursor?: string | null; limit?: number } = {}): Promise<JobListPage> {
    const limit = checkInteger('listJobs limit', page.limit ?? 50, 1, 1000, 50);
    checkListFilter(filter);
    return this.store.jobs.list({ filter, cursor: page.cursor ?? null, limit });
  }

  /**
   * A page of jobs like `listJobs`, as summaries: input and result cut to `previewChars` characters of
   * their JSON and the latest error's message to `messageChars`, in the store, so a page costs the
   * same however large its jobs are. What lists (the HTTP API, the dashboard) show.
   */
  async listJobSummaries(
    filter: JobListFilter = {},
    page: { cursor?: string | null; limit?: number; previewChars?: number; messageChars?: number } = {},
  ): Promise<JobSummaryPage> {
    const limit = checkInteger('listJobSummaries limit', page.limit ?? 50, 1, 1000, 50);
    const previewChars = checkInteger('listJobSummaries previewChars', page.previewChars ?? 200, 1, 100_000, 200);
    const messageChars = checkInteger('listJobSummaries messageChars', page.messageChars ?? 500, 1, 100_000, 500);
    checkListFilter(filter);
    return this.store.jobs.summaryList({ filter, cursor: page.cursor ?? null, limit, previewChars, messageChars });
  }

  /**
   * Cancel a job. One that has not started is cancelled at once; a running one has its signal fired:
   * at once on a worker in this process, or in another process through the store's notices
   * (PostgreSQL), else at that worker's next heartbeat. A finished job is returned unchanged.
   */
  async cancel(id: string): Promise<Job> {
    const job = await this.store.jobs.cancel({ id, now: this.clock.now() });
    if (job === null) throw new ConveyorNotFoundError(`No job with id "${id}"`);
    if (job.state === 'running') this.events.emit('cancel-requested', id);
    return job;
  }

  /** Queue a failed, dead, cancelled or succeeded job again, now, with at least one more attempt. */
  async retry(id: string): Promise<Job> {
    const before = await this.store.jobs.get({ id });
    if (before === null) throw new ConveyorNotFoundError(`No job with id "${id}"`);
    if (!(RETRYABLE_STATES as readonly JobState[]).includes(before.state)) {
      throw new ConveyorStateError(`Job ${id} is ${before.state}; only ${RETRYABLE_STATES.join(', ')} jobs can be retried`);
    }
    const job = await this.store.jobs.retry({ id, now: this.clock.now() });
    if (job === null) throw new ConveyorNotFoundError(`No job with id "${id}"`);
    this.events.emit('jobs-available', [job.queue]);
    return job;
  }

  /**
   * Run a job now that waits for its time: a scheduled one, or a failed one waiting out its retry
   * backoff, is queued at once. Any other state is a `ConveyorStateError` naming it.
   */
  async runNow(id: string): Promise<Job> {
    const refuse = (state: JobState) =>
      new ConveyorStateError(`Job ${id} is ${state}; only ${DUE_STATES.join(' and ')} jobs (waiting for their run time or retry backoff) can be run now`);
    const before = await this.store.jobs.get({ id });
    if (before === null) throw new ConveyorNotFoundError(`No job with id "${id}"`);
    if (!DUE_STATES.includes(before.state)) throw refuse(before.state);
    // The store changes only a job still in a due state: one a worker or promotion took meanwhile comes back as it is.
    const job = await this.store.jobs.runNow({ id, now: this.clock.now() });
    if (job === null) throw new ConveyorNotFoundError(`No job with id "${id}"`);
    if (job.state !== 'queued') throw refuse(job.state);
    this.events.emit('jobs-available', [job.queue]);
    return job;
  }

  /**
   * Delete those of these jobs that are finished (succeeded, dead, cancelled), keeping a child its
   * unfinished flow parent still reads; the ids deleted. Their artifacts and steps go with maintenance.
   */
  async deleteFinishedJobs(ids: readonly string[]): Promise<string[]> {
    checkInteger('deleteFinishedJobs ids.length', ids.length, 0, 1000, 0);
    return this.store.jobs.deleteFinished({ ids });
  }

  /** Resolve with the job once it is succeeded, dead or cancelled. */
  async waitFor(id: string, options: WaitForOptions = {}): Promise<Job> {
    return waitForJob(this.store, this.events, id, options);
  }

  /** Every registered worker, live or stalled. */
  async listWorkers(): Promise<WorkerStatus[]> {
    // Heartbeats are written on the wall clock, so liveness is judged on it too.
    const now = new Date();
    return (await this.store.workers.list()).map((worker) => ({ ...worker, live: isWorkerLive(worker, now, this.workerStaleAfterMs) }));
  }

  /**
   * Pause a queue: once this resolves, no worker in any process claims its jobs until `resumeQueue`.
   * (A claim already in flight when the pause lands may still take a batch: it read the queue as
   * running.) Jobs already running finish normally, and jobs can still be enqueued. Pausing a paused
   * queue changes nothing.
   *
   * @example
   * await conveyor.pauseQueue('emails'); // e.g. while the mail provider is down
   */
  async pauseQueue(name: string): Promise<QueueState> {
    checkName('pauseQueue(name)', name);
    return this.store.queues.pause({ name, now: this.clock.now() });
  }

  /**
   * Let workers claim from a paused queue again. Idle workers of this process start at once, and on
   * PostgreSQL those of every process; on SQLite, other processes hear the commit to the file (`store-changed`).
   */
  async resumeQueue(name: string): Promise<QueueState> {
    checkName('resumeQueue(name)', name);
    const state = await this.store.queues.resume({ name, now: this.clock.now() });
    this.events.emit('jobs-available', [name]);
    return state;
  }

  /** Every queue that was ever paused, resumed or limited, by name, with its limits; any other queue is running without limits. */
  async listQueues(): Promise<QueueState[]> {
    return this.store.queues.list();
  }

  /**
   * Limit a queue across every worker of every process: how many of its jobs run at once, how many
   * run at once per concurrency key (the task's `concurrencyKey(input)`, e.g. a tenant id), and how
   * many start per interval (in any window of that length, not per fixed tick). A limit left out
   * stays; `null` removes it. Workers obey a new limit from their next claim.
   *
   * @example
   * await conveyor.setQueueLimits('reports', { concurrency: 10, perKey: 2, rate: { limit: 20, intervalMs: 1000 } });
   */
  async setQueueLimits(name: string, limits: QueueLimitsOptions): Promise<QueueState> {
    checkName('setQueueLimits(name)', name);
    const current = (await this.store.queues.list()).find((queue) => queue.name === name)?.limits ?? NO_QUEUE_LIMITS;
    const merged = mergeQueueLimits('setQueueLimits(name, limits)', current, limits);
    const state = await this.store.queues.limitsSet({ name, limits: merged, now: this.clock.now() });
    // Raised or removed limits may leave room for jobs idle workers of this process passed over.
    this.events.emit('jobs-available', [name]);
    return state;
  }

  /** Queued jobs no live worker serves, and workers whose heartbeat stopped (F1). */
  async orphans(): Promise<OrphanReport> {
    return findOrphans(this.store, new Date(), this.workerStaleAfterMs);
  }

  async migrationStatus(): Promise<MigrationStatus> {
    return this.store.migrations.status();
  }

  /** Whether the store would take a write now and, if not, why (full disk, read-only, lost file…). Rejects only when it does not answer. */
  async storeWritability(): Promise<StoreWritability> {
    return this.store.storeWritableCheck();
  }

  /**
   * A reader of the job event log (every insert and change of state or progress) from `afterSeq` on,
   * or from now with `afterSeq: null`: what `GET /events` streams.
   */
  async openJobEventCursor(options: Omit<JobEventCursorOptions, 'store'>): Promise<JobEventCursor> {
    return JobEventCursor.open({ ...options, store: this.store });
  }

  /**
   * Send an event: every job waiting for it (`ctx.waitForEvent`) whose match its payload satisfies
   * gets the payload and is queued at once. The event is kept 24 hours, so a job that starts waiting
   * later (and was enqueued before the event) still gets it. A declared event's payload is checked
   * against its schema first (`ConveyorValidationError` naming the fields; nothing is sent).
   */
  async sendEvent(event: EventDefinition | string, payload: unknown): Promise<SendEventResult> {
    const name = typeof event === 'string' ? event : event.name;
    if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
      throw new ConveyorConfigError('sendEvent(event)', `must be an event name of letters, digits and . _ : - (at most 200), got ${JSON.stringify(name)}`, "'export.approved'");
    }
    const definition = typeof event === 'string' ? this.eventDefinitions.get(name) : event;
    const checked = definition === undefined ? payload : await parseEventPayload(definition, payload);
    const text = JSON.stringify(checked);
    if (text === undefined || typeof checked === 'function') {
      throw new ConveyorConfigError(`sendEvent(${JSON.stringify(name)}, payload)`, `the payload must be JSON, got a ${typeof checked}`, '{ "exportId": 42 }');
    }
    const { seq, resolvedJobIds, wokenQueues } = await this.store.steps.deliverEvent({ name, payload: text, now: this.clock.now() });
    if (wokenQueues.length > 0) this.events.emit('jobs-available', wokenQueues);
    return { seq, resolvedJobIds };
  }

  /** The events declared with `Conveyor.open({ events })`, by name. */
  get declaredEvents(): ReadonlyMap<string, EventDefinition> {
    return this.eventDefinitions;
  }

  /** The durable steps of a job (`ctx.step`, sleeps, waits), in the order they started; empty for a job without. */
  async listSteps(jobId: string): Promise<StepRecord[]> {
    return this.store.steps.list({ jobId });
  }

  /** A worker on this Conveyor's store; call `start()` on it. `close()` stops it. */
  createWorker(options: WorkerOptions): Worker {
    const worker = new Worker(this.store, this.events, options, this.retention, this.logger, this.artifactSettings, this.clock);
    this.workers.add(worker);
    return worker;
  }

  /** Stop every worker this Conveyor created, then close the store. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.workers].map((worker) => worker.stop()));
      // Calls already waiting for a shared insert are written before the store goes away.
      await this.enqueues.settled();
      await this.store.close();
    })();
    return this.closing;
  }

  private resolveTask(task: Task | string): Task {
    if (typeof task !== 'string') return task;
    const known = this.tasks.get(task);
    if (known === undefined) {
      const names = [...this.tasks.keys()];
      throw new ConveyorNotFoundError(
        `Unknown task "${task}": ${names.length === 0 ? 'this client was opened without tasks' : `this client knows ${names.map((n) => `"${n}"`).join(', ')}`}. ` +
          'Pass the task object, or list it in Conveyor.open({ tasks: [...] }).',
      );
    }
    return known;
  }

  /** Name the item in errors from a batch, so the caller knows which one was wrong. */
  private async withItemIndex<T>(count: number, index: number, build: () => Promise<T>): Promise<T> {
    try {
      return await build();
    } catch (error) {
      if (count > 1 && error instanceof ConveyorValidationError) {
        throw new ConveyorValidationError(error.task, error.issues.map((issue) => ({ ...issue, path: `[${index}]${issue.path === '' ? '' : `.${issue.path}`}` })));
      }
      throw error;
    }
  }
}

async function openStoreFromUrl(option: string | undefined, logger: Logger): Promise<Store> {
  const { url, setting } = resolveStoreUrl(option);
  return openStore(parseStoreUrl(url, setting), logger);
}

function taskRegistry(tasks: Task[]): Map<string, Task> {
  const byName = new Map<string, Task>();
  for (const task of tasks) {
    if (byName.has(task.name)) {
      throw new ConveyorConfigError('Conveyor.open({ tasks })', `lists the task name "${task.name}" twice; task names must be unique`, '[sendEmail, exportReport]');
    }
    byName.set(task.name, task);
  }
  return byName;
}

/** The filter fields a store cannot check for itself: an Invalid Date would match nothing, or fail in the driver. */
function checkListFilter(filter: JobListFilter): void {
  for (const bound of ['createdAfter', 'createdBefore'] as const) {
    const value = filter[bound];
    if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
      throw new ConveyorConfigError(`listJobs filter.${bound}`, `must be a valid Date, got ${String(value)}`, "new Date('2026-01-01T00:00:00Z')");
    }
  }
  if (filter.text !== undefined && typeof filter.text !== 'string') {
    throw new ConveyorConfigError('listJobs filter.text', `must be a string, got ${typeof filter.text}`, "'timeout'");
  }
}

function eventRegistry(events: readonly EventDefinition[]): Map<string, EventDefinition> {
  const registry = new Map<string, EventDefinition>();
  for (const [index, event] of events.entries()) {
    if (typeof event !== 'object' || event === null || typeof event.name !== 'string' || typeof event.payload?.['~standard']?.validate !== 'function') {
      throw new ConveyorConfigError(`Conveyor.open({ events })[${index}]`, 'is not an event made by defineEvent', "defineEvent({ name: 'export.approved', payload: z.object({ exportId: z.number() }) })");
    }
    if (registry.has(event.name)) throw new ConveyorConfigError(`Conveyor.open({ events })[${index}]`, `declares "${event.name}" a second time; declare each event once`, "defineEvent({ name: 'export.approved', … })");
    registry.set(event.name, event);
  }
  return registry;
}
