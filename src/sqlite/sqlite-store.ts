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
import type { Job, JobAttemptError, JobState } from '../job.js';
import { attemptErrorToJson, leaseExpiredError, parseCursor, parseJobId, storableText, toJsonText } from '../store/encoding.js';
import { planMigrations } from '../store/migration-plan.js';
import { claimAllowance, hasQueueLimits, limitsToColumns, startsPruneBefore } from '../store/queue-limits.js';
import type {
  AppliedMigration,
  FlowJobInsert,
  JobClaimParams,
  JobCount,
  JobFinishedCount,
  JobInsert,
  JobInsertResult,
  JobLease,
  JobListFilter,
  JobListPage,
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
} from '../store/store.js';
import { SqliteFlows } from './flows.js';
import { migrations } from './migrations.generated.js';
import * as sql from './queries.js';
import {
  appliedMigrationFromRow,
  jobFromRow,
  leaseFromRow,
  queueFromRow,
  scheduleFromRow,
  workerFromRow,
  workerToParams,
  type ClaimCandidateRow,
  type ExpiredLeaseRow,
  type FinishedJobRow,
  type JobCountRow,
  type JobRow,
  type LeaseRow,
  type MigrationRow,
  type QueueRow,
  type ScheduleRow,
  type WorkerRow,
} from './rows.js';
import { PreparedStatements } from './statements.js';

/** Ids are below this; the first page of a listing asks for ids below it. */
const NO_CURSOR = Number.MAX_SAFE_INTEGER;

/** The SQLite implementation of {@link Store}. Open one with `openSqliteStore`. */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly capabilities: StoreCapabilities = { transactionalEnqueue: false, crossProcessWakeUp: false };

  private readonly db: PreparedStatements;
  private readonly flows: SqliteFlows;

  /** @param connection an open connection, with its pragmas already set (see `openSqliteStore`). */
  constructor(connection: Database.Database) {
    this.db = new PreparedStatements(connection);
    this.flows = new SqliteFlows(this.db);
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

  async jobList(params: { filter: JobListFilter; cursor: string | null; limit: number }): Promise<JobListPage> {
    const limit = bounded(params.limit);
    const beforeId = params.cursor === null ? NO_CURSOR : parseCursor(params.cursor);
    // One row more than asked tells whether another page follows.
    const rows = this.listJobRows(params.filter, beforeId, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      jobs: page.map(jobFromRow),
      nextCursor: rows.length > limit && last !== undefined ? String(last.id) : null,
    };
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

  // ---- jobs: claim, leases and outcomes ------------------------------------------------------

  async jobClaim(params: JobClaimParams): Promise<Job[]> {
    const limit = bounded(params.limit);
    if (params.queues.length === 0 || params.tasks.length === 0 || limit === 0) return [];
    const now = params.now.getTime();
    const tasks = JSON.stringify(unique(params.tasks));
    const queues = unique(params.queues);
    return this.db.immediate(() => {
      // Read under the write lock every claim and every pause also take: a pause or a limit that
      // returned before this claim is seen, and no other claim changes the counts before this one writes.
      const rows = this.db.all<QueueRow>(sql.QUEUES_AMONG, { queues: JSON.stringify(queues) });
      const controls = new Map(rows.map((row) => [row.name, queueFromRow(row)]));
      // The best `limit` jobs of each running queue, merged: the best `limit` overall are among them.
      const candidates = queues
        .flatMap((queue) => this.claimCandidates(queue, controls.get(queue), { tasks, now, limit }))
        .sort(byClaimOrder)
        .slice(0, limit);
      if (candidates.length === 0) return [];
      const claimed = this.db.all<JobRow>(sql.JOB_CLAIM, {
        ids: JSON.stringify(candidates.map((candidate) => candidate.id)),
        workerId: params.workerId,
        leaseExpiresAt: params.leaseExpiresAt.getTime(),
        now,
      });
      // Every start of a rate-limited queue is logged: the next claim counts those inside its interval.
      for (const row of claimed) {
        const rate = controls.get(row.queue)?.limits.rate ?? null;
        if (rate !== null) this.db.run(sql.QUEUE_START_RECORD, { queue: row.queue, now });
      }
      return claimed.sort(byClaimOrder).map(jobFromRow);
    });
  }

  /** The next jobs of one queue a claim may take: none when paused, only what its limits leave free when limited. */
  private claimCandidates(queue: string, control: QueueState | undefined, claim: { tasks: string; now: number; limit: number }): ClaimCandidateRow[] {
    if (control === undefined) return this.db.all<ClaimCandidateRow>(sql.JOB_CLAIM_CANDIDATES, { queue, ...claim });
    if (control.paused) return [];
    const { limits } = control;
    if (!hasQueueLimits(limits)) return this.db.all<ClaimCandidateRow>(sql.JOB_CLAIM_CANDIDATES, { queue, ...claim });
    let recentStarts = 0;
    if (limits.rate !== null) {
      const since = claim.now - limits.rate.intervalMs;
      this.db.run(sql.QUEUE_STARTS_PRUNE, { queue, before: startsPruneBefore(claim.now, limits.rate.intervalMs) });
      recentStarts = this.db.get<{ n: number }>(sql.QUEUE_STARTS_COUNT, { queue, since })?.n ?? 0;
    }
    const running = limits.concurrency === null ? 0 : (this.db.get<{ n: number }>(sql.QUEUE_RUNNING_COUNT, { queue })?.n ?? 0);
    const limit = claimAllowance(limits, { running, recentStarts }, claim.limit);
    if (limit === 0) return [];
    if (limits.perKey === null) return this.db.all<ClaimCandidateRow>(sql.JOB_CLAIM_CANDIDATES, { queue, ...claim, limit });
    return this.db.all<ClaimCandidateRow>(sql.JOB_CLAIM_CANDIDATES_PER_KEY, { queue, ...claim, limit, perKey: limits.perKey });
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
    return this.db.immediate(() =>
      params.updates.map((update) => ({ id: update.id, applied: this.applyStateUpdate(update) })),
    );
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
    const now = params.now.getTime();
    return this.db.immediate(() => {
      const expired = this.db.all<ExpiredLeaseRow>(sql.JOB_LEASES_EXPIRED, { now, limit: bounded(params.limit) });
      return expired.filter((row) => this.recoverExpiredLease(row, now)).length;
    });
  }

  // ---- jobs: operator actions ----------------------------------------------------------------

  async jobCancel(params: { id: string; now: Date }): Promise<Job | null> {
    return this.changeJob(params, (row, now) => {
      // A running job is only asked to stop: its worker sees the request at its next lease renewal.
      // A finished job matches neither statement and is returned unchanged.
      if (row.state === 'running') this.db.run(sql.JOB_CANCEL_REQUEST, { id: row.id, now });
      else this.settleParentOf(this.db.get<FinishedJobRow>(sql.JOB_CANCEL_NOT_RUNNING, { id: row.id, now }), now);
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

  // ---- workers -------------------------------------------------------------------------------

  async workerRegister(params: { worker: WorkerRecord }): Promise<void> {
    this.db.run(sql.WORKER_REGISTER, workerToParams(params.worker));
  }

  async workerHeartbeat(params: { id: string; now: Date }): Promise<boolean> {
    return this.db.run(sql.WORKER_HEARTBEAT, { id: params.id, now: params.now.getTime() }) === 1;
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

  // ---- queues --------------------------------------------------------------------------------

  async queuePause(params: { name: string; now: Date }): Promise<QueueState> {
    return this.changeQueue(sql.QUEUE_PAUSE, params);
  }

  /** Workers of other processes see the queue running again at their next poll. */
  async queueResume(params: { name: string; now: Date }): Promise<QueueState> {
    return this.changeQueue(sql.QUEUE_RESUME, params);
  }

  async queueList(): Promise<QueueState[]> {
    return this.db.all<QueueRow>(sql.QUEUE_LIST).map(queueFromRow);
  }

  async queueLimitsSet(params: { name: string; limits: QueueLimits; now: Date }): Promise<QueueState> {
    const row = this.db.get<QueueRow>(sql.QUEUE_LIMITS_SET, { name: params.name, now: params.now.getTime(), ...limitsToColumns(params.limits) });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for queue "${params.name}" it limited.`);
    return queueFromRow(row);
  }

  private changeQueue(statement: string, params: { name: string; now: Date }): QueueState {
    const row = this.db.get<QueueRow>(statement, { name: params.name, now: params.now.getTime() });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for queue "${params.name}" it changed.`);
    return queueFromRow(row);
  }

  // ---- schedules -----------------------------------------------------------------------------

  async scheduleUpsert(params: { schedule: ScheduleUpsert; now: Date }): Promise<ScheduleRecord> {
    const { schedule } = params;
    const row = this.db.get<ScheduleRow>(sql.SCHEDULE_UPSERT, {
      name: schedule.name,
      task: schedule.task,
      queue: schedule.queue,
      cron: schedule.cron,
      timeZone: schedule.timeZone,
      input: toJsonText(schedule.input),
      missed: schedule.missed,
      nextRunAt: schedule.nextRunAt.getTime(),
      now: params.now.getTime(),
    });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for schedule "${schedule.name}" it upserted.`);
    return scheduleFromRow(row);
  }

  async scheduleList(): Promise<ScheduleRecord[]> {
    return this.db.all<ScheduleRow>(sql.SCHEDULE_LIST).map(scheduleFromRow);
  }

  async schedulePause(params: { name: string; now: Date }): Promise<ScheduleRecord | null> {
    const row = this.db.get<ScheduleRow>(sql.SCHEDULE_PAUSE, { name: params.name, now: params.now.getTime() });
    return row === undefined ? null : scheduleFromRow(row);
  }

  async scheduleResume(params: { name: string; nextRunAt: Date; now: Date }): Promise<ScheduleRecord | null> {
    const row = this.db.get<ScheduleRow>(sql.SCHEDULE_RESUME, {
      name: params.name,
      nextRunAt: params.nextRunAt.getTime(),
      now: params.now.getTime(),
    });
    return row === undefined ? null : scheduleFromRow(row);
  }

  async scheduleRemove(params: { name: string }): Promise<boolean> {
    return this.db.run(sql.SCHEDULE_REMOVE, { name: params.name }) === 1;
  }

  async scheduleDueList(params: { now: Date; limit: number }): Promise<ScheduleRecord[]> {
    const rows = this.db.all<ScheduleRow>(sql.SCHEDULE_DUE_LIST, { now: params.now.getTime(), limit: bounded(params.limit) });
    return rows.map(scheduleFromRow);
  }

  async scheduleFire(params: ScheduleFireParams): Promise<ScheduleFireResult> {
    const now = params.now.getTime();
    return this.db.immediate(() => {
      const advanced = this.db.run(sql.SCHEDULE_ADVANCE, {
        name: params.name,
        expectedNextRunAt: params.expectedNextRunAt.getTime(),
        nextRunAt: params.nextRunAt.getTime(),
        tick: params.tick.getTime(),
        now,
      });
      if (advanced === 0) return { fired: false, job: null };
      return { fired: true, job: params.job === null ? null : this.insertJob(params.job, now).job };
    });
  }

  /** SQLite has no cross-process notices: other processes see new work at their next poll. */
  noticeListen(): () => void {
    return () => undefined;
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

  private listJobRows(filter: JobListFilter, beforeId: number, limit: number): JobRow[] {
    const states = filter.states === undefined ? null : unique(filter.states);
    const task = filter.task ?? null;
    const queue = filter.queue ?? null;
    const rowFilters = {
      createdAfter: filter.createdAfter?.getTime() ?? null,
      createdBefore: filter.createdBefore?.getTime() ?? null,
      text: filter.text ?? null,
    };
    // Walk the smallest index that has the filter as its first column. Succeeded jobs outnumber
    // all others until they are pruned, so the state index leads unless succeeded is asked for.
    if (states !== null && (!states.includes('succeeded') || (task === null && queue === null))) {
      // The newest `limit` of each state, merged: the newest `limit` overall are among them.
      return states
        .flatMap((state) => this.db.all<JobRow>(sql.JOB_LIST_BY_STATE, { state, task, queue, ...rowFilters, beforeId, limit }))
        .sort((a, b) => b.id - a.id)
        .slice(0, limit);
    }
    const statesJson = states === null ? null : JSON.stringify(states);
    if (task !== null) return this.db.all<JobRow>(sql.JOB_LIST_BY_TASK, { task, queue, states: statesJson, ...rowFilters, beforeId, limit });
    if (queue !== null) return this.db.all<JobRow>(sql.JOB_LIST_BY_QUEUE, { queue, states: statesJson, ...rowFilters, beforeId, limit });
    return this.db.all<JobRow>(sql.JOB_LIST_ALL, { ...rowFilters, beforeId, limit });
  }

  private applyStateUpdate(update: JobStateUpdate): boolean {
    const id = parseJobId(update.id);
    if (id === null) return false;
    const fence = { id, attempt: update.attempt, workerId: update.workerId, at: update.at.getTime() };
    switch (update.kind) {
      case 'succeeded': {
        const finished = this.db.get<FinishedJobRow>(sql.JOB_SET_SUCCEEDED, { ...fence, result: toJsonText(update.result) });
        return this.settleParentOf(finished, fence.at);
      }
      case 'failed': {
        const params = { ...fence, retryAt: update.retryAt.getTime(), error: errorJsonText(update.error) };
        return this.db.run(sql.JOB_SET_FAILED, params) === 1;
      }
      case 'dead': {
        const finished = this.db.get<FinishedJobRow>(sql.JOB_SET_DEAD, { ...fence, error: errorJsonText(update.error) });
        return this.settleParentOf(finished, fence.at);
      }
      case 'cancelled': {
        const error = update.error === null ? null : errorJsonText(update.error);
        const finished = this.db.get<FinishedJobRow>(sql.JOB_SET_CANCELLED, { ...fence, error });
        return this.settleParentOf(finished, fence.at);
      }
      case 'released':
        return this.db.run(sql.JOB_SET_RELEASED, fence) === 1;
      case 'snoozed':
        return this.db.run(sql.JOB_SET_SNOOZED, { ...fence, runAt: update.runAt.getTime() }) === 1;
    }
  }

  /** Settles one running job whose worker stopped renewing its lease; false if it moved meanwhile. */
  private recoverExpiredLease(row: ExpiredLeaseRow, now: number): boolean {
    const error = errorJsonText(leaseExpiredError(row.worker_id, row.attempt, new Date(now)));
    const params = { id: row.id, attempt: row.attempt, workerId: row.worker_id, at: now, error };
    if (row.cancel_requested_at === null && row.attempt < row.max_attempts) {
      return this.db.run(sql.JOB_SET_LEASE_EXPIRED_REQUEUED, params) === 1;
    }
    const statement = row.cancel_requested_at !== null ? sql.JOB_SET_CANCELLED : sql.JOB_SET_DEAD;
    return this.settleParentOf(this.db.get<FinishedJobRow>(statement, params), now);
  }

  /**
   * After a statement that finishes a job (undefined when it changed nothing): settles the job's
   * parent, a flow job that may have been waiting for this one last. True when the job finished.
   */
  private settleParentOf(finished: FinishedJobRow | undefined, now: number): boolean {
    if (finished === undefined) return false;
    if (finished.parent_id !== null) this.flows.settle([finished.parent_id], now);
    return true;
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

/** Highest priority first, then oldest `runAt`, then lowest id: the order `jobClaim` promises. */
function byClaimOrder(a: ClaimCandidateRow, b: ClaimCandidateRow): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.id - b.id;
}

/** A whole, non-negative row count: SQLite reads a negative LIMIT as "no limit" and rejects fractions. */
function bounded(limit: number): number {
  return Number.isNaN(limit) ? 0 : Math.max(0, Math.floor(Math.min(limit, NO_CURSOR)));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The JSON text `json_insert(errors, '$[#]', json(@error))` appends. */
function errorJsonText(error: JobAttemptError): string {
  return JSON.stringify(attemptErrorToJson(error));
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
