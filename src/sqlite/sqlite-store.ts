/**
 * The `Store` on one SQLite file, shared by any number of worker processes.
 *
 * Concurrency: SQLite allows one writer at a time per file. Every write of more than one statement
 * runs in a `BEGIN IMMEDIATE` transaction, which takes the write lock up front (waiting up to the
 * busy timeout), so a read that decides a write can never be overtaken by another process between
 * the two. Single statements are atomic by themselves. Readers never wait, thanks to WAL.
 */
import Database from 'better-sqlite3';
import { ConveyorError, ConveyorStateError } from '../errors.js';
import type { Job, JobState } from '../job.js';
import { handlersIgnoringAbortToJson, parseCursor, parseJobId, storableText, toJsonText } from '../store/encoding.js';
import { planMigrations } from '../store/migration-plan.js';
import { checkIntervalMs, finishedInInterval, type FinishedSlotRow } from '../store/finished-intervals.js';
import { idBoundsFromRow, nextListCursor, textSearchWindow, type IdBoundsRow } from '../store/text-search.js';
import type {
  AppliedMigration,
  FlowJobInsert,
  JobClaimParams,
  JobCount,
  JobEvent,
  JobEventBounds,
  JobFinishedCount,
  JobFinishedInInterval,
  JobInsert,
  JobInsertResult,
  JobLease,
  JobListFilter,
  JobListPage,
  JobListParams,
  JobProgressSetParams,
  JobPruneFinishedParams,
  JobStateUpdate,
  MigrationStatus,
  QueueLimits,
  QueueState,
  ScheduleFireParams,
  ScheduleFireResult,
  ScheduleRecord,
  ScheduleUpsert,
  Store,
  StoreCapabilities,
  WorkerRecord,
  HandlerIgnoringAbort,
  JobSummaryListParams,
  JobSummaryPage,
  SessionRecord,
  StoreWritability,
} from '../store/store.js';
import type { SqliteFile } from './file-health.js';
import { SqliteClaims } from './claim.js';
import { SqliteFlows } from './flows.js';
import { SqliteJobEvents } from './job-events.js';
import { SqliteJobOutcomes } from './job-outcomes.js';
import { migrations } from './migrations.generated.js';
import * as sql from './queries.js';
import { SqliteQueues } from './queues.js';
import {
  appliedMigrationFromRow,
  jobFromRow,
  leaseFromRow,
  workerFromRow,
  sessionFromRow,
  type SessionRow,
  jobSummaryFromRow,
  type JobSummaryRow,
  workerToParams,
  type FinishedJobRow,
  type JobCountRow,
  type JobRow,
  type LeaseRow,
  type MigrationRow,
  type WorkerRow,
} from './rows.js';
import { SqliteSchedules } from './schedules.js';
import { PreparedStatements } from './statements.js';

/** Ids are below this; the first page of a listing asks for ids below it. */
const NO_CURSOR = Number.MAX_SAFE_INTEGER;

/** The SQLite implementation of {@link Store}. Open one with `openSqliteStore`. */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly capabilities: StoreCapabilities = { transactionalEnqueue: false, crossProcessWakeUp: false, eventsInCommitOrder: true };

  private readonly db: PreparedStatements;
  private readonly flows: SqliteFlows;
  private readonly outcomes: SqliteJobOutcomes;
  private readonly claims: SqliteClaims;
  private readonly queues: SqliteQueues;
  private readonly schedules: SqliteSchedules;
  private readonly jobEvents: SqliteJobEvents;

  /**
   * @param connection an open connection, with its pragmas already set (see `openSqliteStore`).
   * @param file the file it opened, watched for faults; null for `:memory:`.
   */
  constructor(connection: Database.Database, file: SqliteFile | null = null) {
    this.db = new PreparedStatements(connection, file);
    this.flows = new SqliteFlows(this.db);
    this.outcomes = new SqliteJobOutcomes(this.db, this.flows);
    this.claims = new SqliteClaims(this.db);
    this.queues = new SqliteQueues(this.db);
    this.jobEvents = new SqliteJobEvents(this.db);
    this.schedules = new SqliteSchedules(this.db, (job, now) => this.insertJob(job, now));
  }

  // ---- migrations ----------------------------------------------------------------------------

  async migrationStatus(): Promise<MigrationStatus> {
    return planMigrations(migrations, this.readAppliedMigrations());
  }

  async migrationRun(params: { now: Date }): Promise<MigrationStatus> {
    // The immediate transaction is the lock: a second process starting at the same moment waits,
    // then finds nothing pending.
    return this.db.immediate(() => {
      this.db.exec(sql.MIGRATIONS_TABLE_CREATE);
      const { pending } = planMigrations(migrations, this.readAppliedMigrations());
      for (const migration of migrations.filter((m) => pending.includes(m.version))) {
        this.db.exec(migration.sql);
        this.db.run(sql.MIGRATION_RECORD, {
          version: migration.version,
          name: migration.name,
          checksum: migration.checksum,
          appliedAt: params.now.getTime(),
        });
      }
      return planMigrations(migrations, this.readAppliedMigrations());
    });
  }

  // ---- jobs: insert and read -----------------------------------------------------------------

  async jobInsertMany(params: { jobs: JobInsert[]; now: Date }): Promise<JobInsertResult[]> {
    const now = params.now.getTime();
    // One transaction, so a job inserted earlier in the batch is seen by the dedup check of a later one.
    return this.db.immediate(() => params.jobs.map((job) => this.insertJob(job, now)));
  }

  async jobGet(params: { id: string }): Promise<Job | null> {
    const id = parseJobId(params.id);
    const row = id === null ? undefined : this.db.get<JobRow>(sql.JOB_GET, { id });
    return row === undefined ? null : jobFromRow(row);
  }

  async jobList(params: JobListParams): Promise<JobListPage> {
    const limit = bounded(params.limit);
    const beforeId = params.cursor === null ? NO_CURSOR : parseCursor(params.cursor);
    const window = params.filter.text === undefined ? null : textSearchWindow(idBoundsFromRow(this.db.get<IdBoundsRow>(sql.JOB_ID_BOUNDS)), beforeId, params.textSearchWindow);
    // One row more than asked tells whether another page follows.
    const rows = this.listJobRows<JobRow>(sql.JOB_LIST, {}, params.filter, beforeId, window?.floor ?? null, limit + 1);
    const page = rows.slice(0, limit);
    return { jobs: page.map(jobFromRow), nextCursor: nextListCursor(rows.length > limit, page.at(-1)?.id, window) };
  }

  async jobSummaryList(params: JobSummaryListParams): Promise<JobSummaryPage> {
    const limit = bounded(params.limit);
    const beforeId = params.cursor === null ? NO_CURSOR : parseCursor(params.cursor);
    const window = params.filter.text === undefined ? null : textSearchWindow(idBoundsFromRow(this.db.get<IdBoundsRow>(sql.JOB_ID_BOUNDS)), beforeId, params.textSearchWindow);
    const { previewChars, messageChars } = params;
    const rows = this.listJobRows<JobSummaryRow>(sql.JOB_SUMMARY_LIST, { previewChars, messageChars }, params.filter, beforeId, window?.floor ?? null, limit + 1);
    const page = rows.slice(0, limit);
    return { jobs: page.map((row) => jobSummaryFromRow(row, previewChars, messageChars)), nextCursor: nextListCursor(rows.length > limit, page.at(-1)?.id, window) };
  }

  async jobCountByGroup(params: { states: JobState[] }): Promise<JobCount[]> {
    if (params.states.length === 0) return [];
    const rows = this.db.all<JobCountRow>(sql.JOB_COUNT_BY_GROUP, { states: JSON.stringify(unique(params.states)) });
    return rows.map((row) => ({
      task: row.task,
      queue: row.queue,
      state: row.state,
      count: row.count,
      oldestCreatedAt: new Date(row.oldest_created_at),
    }));
  }

  async jobCountFinishedSince(params: { since: Date }): Promise<JobFinishedCount[]> {
    return this.db.all<JobFinishedCount>(sql.JOB_COUNT_FINISHED_SINCE, { since: params.since.getTime() });
  }
  async jobCountFinishedByInterval(params: { from: Date; to: Date; intervalMs: number }): Promise<JobFinishedInInterval[]> {
    const intervalMs = checkIntervalMs(params.intervalMs);
    const rows = this.db.all<FinishedSlotRow>(sql.JOB_COUNT_FINISHED_BY_INTERVAL, { from: params.from.getTime(), to: params.to.getTime(), intervalMs });
    return rows.map((row) => finishedInInterval(row, params.from, intervalMs));
  }


  // ---- jobs: claim (in claim.ts), leases and outcomes (in job-outcomes.ts) ------------------

  async jobClaim(params: JobClaimParams): Promise<Job[]> {
    const limit = bounded(params.limit);
    if (params.queues.length === 0 || params.tasks.length === 0 || limit === 0) return [];
    const request = { ...params, queues: unique(params.queues), tasks: unique(params.tasks), limit };
    // Immediate: the claim reads queue controls and counts under the write lock (see claim.ts).
    return this.db.immediate(() => this.claims.claim(request));
  }

  async jobLeaseExtend(params: { workerId: string; leaseExpiresAt: Date }): Promise<JobLease[]> {
    const rows = this.db.all<LeaseRow>(sql.JOB_LEASE_EXTEND, {
      workerId: params.workerId,
      leaseExpiresAt: params.leaseExpiresAt.getTime(),
    });
    return rows.map(leaseFromRow);
  }

  async jobSetStateIfRunningMany(params: {
    updates: JobStateUpdate[];
  }): Promise<Array<{ id: string; applied: boolean }>> {
    return this.db.immediate(() => params.updates.map((update) => ({ id: update.id, applied: this.outcomes.apply(update) })));
  }

  async jobProgressSet(params: JobProgressSetParams): Promise<boolean> {
    const id = parseJobId(params.id);
    if (id === null) return false;
    const changes = this.db.run(sql.JOB_PROGRESS_SET, {
      id,
      attempt: params.attempt,
      workerId: params.workerId,
      fraction: params.progress.fraction,
      message: params.progress.message === null ? null : storableText(params.progress.message),
      now: params.now.getTime(),
    });
    return changes === 1;
  }

  async jobRecoverExpiredLeases(params: { now: Date; limit: number }): Promise<number> {
    return this.db.immediate(() => this.outcomes.recoverExpiredLeases(params.now.getTime(), bounded(params.limit)));
  }

  // ---- jobs: operator actions ----------------------------------------------------------------

  async jobCancel(params: { id: string; now: Date }): Promise<Job | null> {
    return this.changeJob(params, (row, now) => {
      // A running job is only asked to stop: its worker sees the request at its next lease renewal.
      // A finished job matches neither statement and is returned unchanged.
      if (row.state === 'running') this.db.run(sql.JOB_CANCEL_REQUEST, { id: row.id, now });
      else this.outcomes.settleParentOf(this.db.get<FinishedJobRow>(sql.JOB_CANCEL_NOT_RUNNING, { id: row.id, now }), now);
    });
  }

  async jobRetry(params: { id: string; now: Date }): Promise<Job | null> {
    return this.changeJob(params, (row, now) => {
      try {
        const retried = this.db.get<{ state: JobState }>(sql.JOB_RETRY, { id: row.id, now });
        if (retried?.state === 'waiting') this.flows.settle([row.id], now);
      } catch (error) {
        if (isUniqueViolation(error)) throw this.dedupConflictError(row);
        throw error;
      }
    });
  }

  /** Read a job and change it in one immediate transaction; the job as it is afterwards, or null if absent. */
  private changeJob(params: { id: string; now: Date }, change: (row: JobRow, now: number) => void): Job | null {
    const id = parseJobId(params.id);
    if (id === null) return null;
    return this.db.immediate(() => {
      const row = this.db.get<JobRow>(sql.JOB_GET, { id });
      if (row === undefined) return null;
      change(row, params.now.getTime());
      return this.reread(id);
    });
  }

  // ---- jobs: maintenance ---------------------------------------------------------------------

  async jobPromoteDue(params: { now: Date; limit: number }): Promise<number> {
    return this.db.run(sql.JOB_PROMOTE_DUE, { now: params.now.getTime(), limit: bounded(params.limit) });
  }

  async jobPruneFinished(params: JobPruneFinishedParams): Promise<number> {
    return this.db.run(sql.JOB_PRUNE_FINISHED, {
      succeededBefore: params.succeededBefore.getTime(),
      deadBefore: params.deadBefore.getTime(),
      cancelledBefore: params.cancelledBefore.getTime(),
      limit: bounded(params.limit),
    });
  }

  // ---- flows (in flows.ts) ------------------------------------------------------------------

  async flowInsert(params: { jobs: FlowJobInsert[]; now: Date }): Promise<Job[]> {
    return this.db.immediate(() => this.flows.insert(params.jobs, params.now.getTime()));
  }

  async flowGet(params: { id: string }): Promise<Job[]> {
    const id = parseJobId(params.id);
    return id === null ? [] : this.flows.get(id);
  }

  async flowCancel(params: { id: string; now: Date }): Promise<Job[]> {
    const id = parseJobId(params.id);
    return id === null ? [] : this.db.immediate(() => this.flows.cancel(id, params.now.getTime()));
  }

  async jobChildList(params: { id: string }): Promise<Job[]> {
    const id = parseJobId(params.id);
    return id === null ? [] : this.flows.children(id);
  }

  async jobSettleWaiting(params: { now: Date; limit: number }): Promise<number> {
    return this.db.immediate(() => this.flows.settleWaiting(params.now.getTime(), bounded(params.limit)));
  }

  // ---- the job event log (job-events.ts) -----------------------------------------------------

  async jobEventList(params: { afterSeq: string | null; limit: number }): Promise<JobEvent[]> {
    return this.jobEvents.list({ afterSeq: params.afterSeq, limit: bounded(params.limit) });
  }

  async jobEventBounds(): Promise<JobEventBounds> {
    return this.jobEvents.bounds();
  }

  async jobEventPrune(params: { before: Date; limit: number }): Promise<number> {
    return this.jobEvents.prune({ before: params.before, limit: bounded(params.limit) });
  }

  // ---- workers -------------------------------------------------------------------------------

  async workerRegister(params: { worker: WorkerRecord }): Promise<void> {
    this.db.run(sql.WORKER_REGISTER, workerToParams(params.worker));
  }

  async workerHeartbeat(params: { id: string; now: Date; handlersIgnoringAbort: HandlerIgnoringAbort[] }): Promise<boolean> {
    const handlersIgnoringAbort = JSON.stringify(handlersIgnoringAbortToJson(params.handlersIgnoringAbort));
    return this.db.run(sql.WORKER_HEARTBEAT, { id: params.id, now: params.now.getTime(), handlersIgnoringAbort }) === 1;
  }

  async workerDeregister(params: { id: string }): Promise<void> {
    this.db.run(sql.WORKER_DEREGISTER, { id: params.id });
  }

  async workerList(): Promise<WorkerRecord[]> {
    return this.db.all<WorkerRow>(sql.WORKER_LIST).map(workerFromRow);
  }

  async workerPrune(params: { heartbeatBefore: Date }): Promise<number> {
    return this.db.run(sql.WORKER_PRUNE, { heartbeatBefore: params.heartbeatBefore.getTime() });
  }

  // ---- sessions ------------------------------------------------------------------------------

  async sessionCreate(params: { session: Omit<SessionRecord, 'revokedAt'> }): Promise<void> {
    const { idHash, tokenHash, createdAt, expiresAt } = params.session;
    this.db.run(sql.SESSION_CREATE, { idHash, tokenHash, createdAt: createdAt.getTime(), expiresAt: expiresAt.getTime() });
  }

  async sessionGet(params: { idHash: string }): Promise<SessionRecord | null> {
    const row = this.db.get<SessionRow>(sql.SESSION_GET, { idHash: params.idHash });
    return row === undefined ? null : sessionFromRow(row);
  }

  async sessionRevoke(params: { idHash: string; now: Date }): Promise<boolean> {
    return this.db.run(sql.SESSION_REVOKE, { idHash: params.idHash, now: params.now.getTime() }) === 1;
  }

  async sessionPrune(params: { before: Date; limit: number }): Promise<number> {
    return this.db.run(sql.SESSION_PRUNE, { before: params.before.getTime(), limit: params.limit });
  }

  // ---- queues (in queues.ts) ----------------------------------------------------------------

  async queuePause(params: { name: string; now: Date }): Promise<QueueState> {
    return this.queues.pause(params);
  }

  /** Workers of other processes see the queue running again at their next poll. */
  async queueResume(params: { name: string; now: Date }): Promise<QueueState> {
    return this.queues.resume(params);
  }

  async queueList(): Promise<QueueState[]> {
    return this.queues.list();
  }

  async queueLimitsSet(params: { name: string; limits: QueueLimits; now: Date }): Promise<QueueState> {
    return this.queues.limitsSet(params);
  }

  // ---- schedules (in schedules.ts) ----------------------------------------------------------

  async scheduleUpsert(params: { schedule: ScheduleUpsert; now: Date }): Promise<ScheduleRecord> {
    return this.schedules.upsert(params.schedule, params.now);
  }

  async scheduleList(): Promise<ScheduleRecord[]> {
    return this.schedules.list();
  }

  async schedulePause(params: { name: string; now: Date }): Promise<ScheduleRecord | null> {
    return this.schedules.pause(params);
  }

  async scheduleResume(params: { name: string; nextRunAt: Date; now: Date }): Promise<ScheduleRecord | null> {
    return this.schedules.resume(params);
  }

  async scheduleRemove(params: { name: string }): Promise<boolean> {
    return this.schedules.remove(params.name);
  }

  async scheduleDueList(params: { now: Date; limit: number }): Promise<ScheduleRecord[]> {
    return this.schedules.dueList(params.now, bounded(params.limit));
  }

  async scheduleFire(params: ScheduleFireParams): Promise<ScheduleFireResult> {
    // One transaction: the schedule advances only if its job is inserted too.
    return this.db.immediate(() => this.schedules.fire(params));
  }

  /** SQLite has no cross-process notices: other processes see new work at their next poll. */
  noticeListen(): () => void {
    return () => undefined;
  }

  async storeWritableCheck(): Promise<StoreWritability> {
    // A read first, so a store closed or unreadable rejects like any call that gets no answer.
    this.db.get(sql.MIGRATIONS_TABLE_EXISTS);
    return this.db.file?.writability() ?? { writable: true, detail: 'an in-memory SQLite database' };
  }

  async close(): Promise<void> {
    this.db.close();
  }

  // ---- helpers -------------------------------------------------------------------------------

  private readAppliedMigrations(): AppliedMigration[] {
    // No history table yet means an empty database, not an error.
    if (this.db.get(sql.MIGRATIONS_TABLE_EXISTS) === undefined) return [];
    return this.db.all<MigrationRow>(sql.MIGRATIONS_APPLIED).map(appliedMigrationFromRow);
  }

  private insertJob(job: JobInsert, now: number): JobInsertResult {
    if (job.dedupKey !== null) {
      const holder = this.db.get<JobRow>(sql.JOB_GET_UNFINISHED_BY_DEDUP_KEY, { task: job.task, dedupKey: job.dedupKey });
      if (holder !== undefined) return { job: jobFromRow(holder), duplicate: true };
    }
    const runAt = job.runAt.getTime();
    const row = this.db.get<JobRow>(sql.JOB_INSERT, {
      task: job.task,
      queue: job.queue,
      input: toJsonText(job.input),
      state: runAt > now ? 'scheduled' : 'queued',
      priority: job.priority,
      runAt,
      maxAttempts: job.maxAttempts,
      dedupKey: job.dedupKey,
      concurrencyKey: job.concurrencyKey,
      now,
    });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for the job of task "${job.task}" it inserted.`);
    return { job: jobFromRow(row), duplicate: false };
  }

  /** `minId`: the floor of a text search's window (null: no floor). */
  private listJobRows<Row extends { id: number }>(
    statements: sql.JobListStatements,
    extra: Record<string, number>,
    filter: JobListFilter,
    beforeId: number,
    minId: number | null,
    limit: number,
  ): Row[] {
    const states = filter.states === undefined ? null : unique(filter.states);
    const task = filter.task ?? null;
    const queue = filter.queue ?? null;
    const rowFilters = {
      createdAfter: filter.createdAfter?.getTime() ?? null,
      createdBefore: filter.createdBefore?.getTime() ?? null,
      text: filter.text ?? null,
      minId,
      ...extra,
    };
    // Walk the smallest index that has the filter as its first column. Succeeded jobs outnumber
    // all others until they are pruned, so the state index leads unless succeeded is asked for.
    if (states !== null && (!states.includes('succeeded') || (task === null && queue === null))) {
      // The newest `limit` of each state, merged: the newest `limit` overall are among them.
      return states
        .flatMap((state) => this.db.all<Row>(statements.byState, { state, task, queue, ...rowFilters, beforeId, limit }))
        .sort((a, b) => b.id - a.id)
        .slice(0, limit);
    }
    const statesJson = states === null ? null : JSON.stringify(states);
    if (task !== null) return this.db.all<Row>(statements.byTask, { task, queue, states: statesJson, ...rowFilters, beforeId, limit });
    if (queue !== null) return this.db.all<Row>(statements.byQueue, { queue, states: statesJson, ...rowFilters, beforeId, limit });
    return this.db.all<Row>(statements.all, { ...rowFilters, beforeId, limit });
  }

  private dedupConflictError(job: JobRow): ConveyorStateError {
    const holder = this.db.get<JobRow>(sql.JOB_GET_UNFINISHED_BY_DEDUP_KEY, { task: job.task, dedupKey: job.dedup_key });
    return new ConveyorStateError(
      `Cannot retry job ${job.id}: its dedup key "${job.dedup_key}" (task "${job.task}") is held by unfinished ` +
        `job ${holder?.id ?? '(unknown)'}${holder === undefined ? '' : ` (${holder.state})`}. ` +
        `Wait for that job to finish or cancel it, then retry job ${job.id}.`,
    );
  }

  private reread(id: number): Job {
    const row = this.db.get<JobRow>(sql.JOB_GET, { id });
    if (row === undefined) throw new ConveyorError(`Job ${id} vanished inside the transaction that updated it.`);
    return jobFromRow(row);
  }
}

/** A whole, non-negative row count: SQLite reads a negative LIMIT as "no limit" and rejects fractions. */
function bounded(limit: number): number {
  return Number.isNaN(limit) ? 0 : Math.max(0, Math.floor(Math.min(limit, NO_CURSOR)));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
