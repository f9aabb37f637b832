/**
 * Jobs on the SQLite store (`store.jobs`): inserting and reading them, claims (claim.ts), leases
 * and outcomes (job-outcomes.ts), operator actions, counts and maintenance.
 *
 * Every write of more than one statement is one BEGIN IMMEDIATE transaction, which takes the write
 * lock up front, so a read that decides a write can never be overtaken by another process between
 * the two. Single statements are atomic by themselves.
 */
import Database from 'better-sqlite3';
import { ConveyorError, ConveyorStateError } from '../errors.js';
import type { Job, JobState } from '../job.js';
import { attemptErrorFromJson, parseCursor, parseJobId, storableText, toJsonText } from '../store/encoding.js';
import { checkIntervalMs, finishedInInterval, type FinishedSlotRow } from '../store/finished-intervals.js';
import { latestErrorFingerprint } from '../store/failure-fingerprints.js';
import type { KeptCountState } from '../store/kept-counts.js';
import { boundedLimit, NO_CURSOR, unique } from '../store/row-limits.js';
import { idBoundsFromRow, nextListCursor, textSearchWindow, type IdBoundsRow } from '../store/text-search.js';
import type { AttemptErrorJson } from '../store/encoding.js';
import type {
  JobClaimParams,
  FailureCount,
  FailureTimes,
  JobCount,
  JobStateCount,
  JobFinishedCount,
  JobFinishedInInterval,
  JobInsert,
  JobInsertResult,
  JobLease,
  JobListPage,
  JobListParams,
  JobProgressSetParams,
  JobPruneFinishedParams,
  JobStateUpdate,
  JobStore,
  JobSummaryListParams,
  JobSummaryPage,
} from '../store/store.js';
import { SqliteClaims } from './claim.js';
import type { SqliteFlows } from './flows.js';
import { listJobRows } from './job-listing.js';
import { SqliteJobOutcomes } from './job-outcomes.js';
import * as sql from './queries.js';
import { jobFromRow, jobSummaryFromRow, leaseFromRow, type FailureTimesRow, type FinishedJobRow, type JobCountRow, type JobRow, type JobSummaryRow, type LeaseRow, type UnfingerprintedRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

export class SqliteJobs implements JobStore {
  private readonly claims: SqliteClaims;
  private readonly outcomes: SqliteJobOutcomes;

  constructor(
    private readonly db: PreparedStatements,
    /** Settles the flow parent of a job an outcome or an operator finished. */
    private readonly flows: SqliteFlows,
  ) {
    this.claims = new SqliteClaims(db);
    this.outcomes = new SqliteJobOutcomes(db, flows);
  }

  // ---- insert and read -----------------------------------------------------------------------

  async insertMany(params: { jobs: JobInsert[]; now: Date }): Promise<JobInsertResult[]> {
    const now = params.now.getTime();
    // One transaction, so a job inserted earlier in the batch is seen by the dedup check of a later one.
    return this.db.immediate(() => params.jobs.map((job) => this.insertOne(job, now)));
  }

  /** Insert one job (dedup check included) inside the caller's transaction; schedules fire through it too. */
  insertOne(job: JobInsert, now: number): JobInsertResult {
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
      traceContext: job.traceContext,
      now,
    });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for the job of task "${job.task}" it inserted.`);
    return { job: jobFromRow(row), duplicate: false };
  }

  async get(params: { id: string }): Promise<Job | null> {
    const id = parseJobId(params.id);
    const row = id === null ? undefined : this.db.get<JobRow>(sql.JOB_GET, { id });
    return row === undefined ? null : jobFromRow(row);
  }

  async list(params: JobListParams): Promise<JobListPage> {
    const page = this.listPage<JobRow>(sql.JOB_LIST, {}, params);
    return { jobs: page.rows.map(jobFromRow), nextCursor: page.nextCursor };
  }

  async summaryList(params: JobSummaryListParams): Promise<JobSummaryPage> {
    const { previewChars, messageChars } = params;
    const page = this.listPage<JobSummaryRow>(sql.JOB_SUMMARY_LIST, { previewChars, messageChars }, params);
    return { jobs: page.rows.map((row) => jobSummaryFromRow(row, previewChars, messageChars)), nextCursor: page.nextCursor };
  }

  private listPage<Row extends { id: number }>(statements: sql.JobListStatements, extra: Record<string, number>, params: JobListParams): { rows: Row[]; nextCursor: string | null } {
    const limit = boundedLimit(params.limit);
    const beforeId = params.cursor === null ? NO_CURSOR : parseCursor(params.cursor);
    const window = params.filter.text === undefined ? null : textSearchWindow(idBoundsFromRow(this.db.get<IdBoundsRow>(sql.JOB_ID_BOUNDS)), beforeId, params.textSearchWindow);
    // One row more than asked tells whether another page follows.
    const rows = listJobRows<Row>(this.db, statements, extra, params.filter, { beforeId, minId: window?.floor ?? null, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { rows: page, nextCursor: nextListCursor(rows.length > limit, page.at(-1)?.id, window) };
  }

  // ---- claims, leases and outcomes -----------------------------------------------------------

  async claim(params: JobClaimParams): Promise<Job[]> {
    const limit = boundedLimit(params.limit);
    if (params.queues.length === 0 || params.tasks.length === 0 || limit === 0) return [];
    const request = { ...params, queues: unique(params.queues), tasks: unique(params.tasks), limit };
    // Immediate: the claim reads queue controls and counts under the write lock (see claim.ts).
    return this.db.immediate(() => this.claims.claim(request));
  }

  async leaseExtend(params: { workerId: string; leaseExpiresAt: Date }): Promise<JobLease[]> {
    const rows = this.db.all<LeaseRow>(sql.JOB_LEASE_EXTEND, { workerId: params.workerId, leaseExpiresAt: params.leaseExpiresAt.getTime() });
    return rows.map(leaseFromRow);
  }

  async setStateIfRunningMany(params: { updates: JobStateUpdate[] }): Promise<Array<{ id: string; applied: boolean }>> {
    return this.db.immediate(() => params.updates.map((update) => ({ id: update.id, applied: this.outcomes.apply(update) })));
  }

  async progressSet(params: JobProgressSetParams): Promise<boolean> {
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

  async recoverExpiredLeases(params: { now: Date; limit: number }): Promise<number> {
    return this.db.immediate(() => this.outcomes.recoverExpiredLeases(params.now.getTime(), boundedLimit(params.limit)));
  }

  // ---- operator actions ----------------------------------------------------------------------

  async cancel(params: { id: string; now: Date }): Promise<Job | null> {
    return this.change(params, (row, now) => {
      // A running job is only asked to stop: its worker sees the request at its next lease renewal.
      // A finished job matches neither statement and is returned unchanged.
      if (row.state === 'running') this.db.run(sql.JOB_CANCEL_REQUEST, { id: row.id, now });
      else this.outcomes.settleParentOf(this.db.get<FinishedJobRow>(sql.JOB_CANCEL_NOT_RUNNING, { id: row.id, now }), now);
    });
  }

  async retry(params: { id: string; now: Date }): Promise<Job | null> {
    return this.change(params, (row, now) => {
      try {
        const retried = this.db.get<{ state: JobState }>(sql.JOB_RETRY, { id: row.id, now });
        if (retried?.state === 'waiting') this.flows.settle([row.id], now);
      } catch (error) {
        if (isUniqueViolation(error)) throw this.dedupConflictError(row);
        throw error;
      }
    });
  }

  async runNow(params: { id: string; now: Date }): Promise<Job | null> {
    return this.change(params, (row, now) => {
      this.db.run(sql.JOB_RUN_NOW, { id: row.id, now });
    });
  }

  async deleteFinished(params: { ids: readonly string[] }): Promise<string[]> {
    const ids = params.ids.map(parseJobId).filter((id) => id !== null);
    if (ids.length === 0) return [];
    const rows = this.db.all<{ id: number }>(sql.JOB_DELETE_FINISHED, { ids: JSON.stringify(ids) });
    return rows.map((row) => String(row.id)).sort(compareNumeric);
  }

  /** Read a job and change it in one immediate transaction; the job as it is afterwards, or null if absent. */
  private change(params: { id: string; now: Date }, change: (row: JobRow, now: number) => void): Job | null {
    const id = parseJobId(params.id);
    if (id === null) return null;
    return this.db.immediate(() => {
      const row = this.db.get<JobRow>(sql.JOB_GET, { id });
      if (row === undefined) return null;
      change(row, params.now.getTime());
      const changed = this.db.get<JobRow>(sql.JOB_GET, { id });
      if (changed === undefined) throw new ConveyorError(`Job ${id} vanished inside the transaction that updated it.`);
      return jobFromRow(changed);
    });
  }

  private dedupConflictError(job: JobRow): ConveyorStateError {
    const holder = this.db.get<JobRow>(sql.JOB_GET_UNFINISHED_BY_DEDUP_KEY, { task: job.task, dedupKey: job.dedup_key });
    return new ConveyorStateError(
      `Cannot retry job ${job.id}: its dedup key "${job.dedup_key}" (task "${job.task}") is held by unfinished ` +
        `job ${holder?.id ?? '(unknown)'}${holder === undefined ? '' : ` (${holder.state})`}. ` +
        `Wait for that job to finish or cancel it, then retry job ${job.id}.`,
    );
  }

  // ---- counts and maintenance ----------------------------------------------------------------

  async countByGroup(params: { states: JobState[] }): Promise<JobCount[]> {
    if (params.states.length === 0) return [];
    const rows = this.db.all<JobCountRow>(sql.JOB_COUNT_BY_GROUP, { states: JSON.stringify(unique(params.states)) });
    return rows.map((row) => ({ task: row.task, queue: row.queue, state: row.state, count: row.count, oldestCreatedAt: new Date(row.oldest_created_at) }));
  }

  async countKept(params: { states: KeptCountState[] }): Promise<JobStateCount[]> {
    if (params.states.length === 0) return [];
    return this.db.all<JobStateCount>(sql.JOB_COUNT_KEPT, { states: JSON.stringify(unique(params.states)) });
  }

  /** SQLite's triggers change the kept counts in place: nothing is left to fold. */
  async foldKeptCounts(_params: { limit: number }): Promise<number> {
    return 0;
  }

  async countFailures(): Promise<FailureCount[]> {
    const rows = this.db.all<FailureCount & { fingerprint: string }>(sql.JOB_COUNT_FAILURES);
    return rows.map((row) => ({ ...row, fingerprint: row.fingerprint === '' ? null : row.fingerprint }));
  }

  async failureTimes(params: { fingerprint: string; since: Date }): Promise<FailureTimes | null> {
    const row = this.db.get<FailureTimesRow>(sql.JOB_FAILURE_TIMES, { fingerprint: params.fingerprint, since: params.since.getTime() });
    if (row === undefined) return null;
    return { firstSeenAt: new Date(row.first_seen_at), lastSeenAt: new Date(row.last_seen_at), recent: row.recent, sampleJobId: String(row.sample_job_id) };
  }

  async fingerprintFailures(params: { limit: number }): Promise<number> {
    const limit = boundedLimit(params.limit);
    if (limit === 0) return 0;
    return this.db.immediate(() => {
      const rows = this.db.all<UnfingerprintedRow>(sql.JOB_FAILURES_UNFINGERPRINTED, { limit });
      let written = 0;
      for (const row of rows) {
        const latest = row.latest_error === null ? null : attemptErrorFromJson(JSON.parse(row.latest_error) as AttemptErrorJson);
        const fingerprint = latestErrorFingerprint(latest).fingerprint;
        written += this.db.run(sql.JOB_FAILURE_FINGERPRINT_SET, { id: row.id, fingerprint, errorCount: row.error_count });
      }
      return written;
    });
  }

  async countFinishedSince(params: { since: Date }): Promise<JobFinishedCount[]> {
    return this.db.all<JobFinishedCount>(sql.JOB_COUNT_FINISHED_SINCE, { since: params.since.getTime() });
  }

  async countFinishedByInterval(params: { from: Date; to: Date; intervalMs: number }): Promise<JobFinishedInInterval[]> {
    const intervalMs = checkIntervalMs(params.intervalMs);
    const rows = this.db.all<FinishedSlotRow>(sql.JOB_COUNT_FINISHED_BY_INTERVAL, { from: params.from.getTime(), to: params.to.getTime(), intervalMs });
    return rows.map((row) => finishedInInterval(row, params.from, intervalMs));
  }

  async promoteDue(params: { now: Date; limit: number }): Promise<number> {
    return this.db.run(sql.JOB_PROMOTE_DUE, { now: params.now.getTime(), limit: boundedLimit(params.limit) });
  }

  async pruneFinished(params: JobPruneFinishedParams): Promise<number> {
    return this.db.run(sql.JOB_PRUNE_FINISHED, {
      succeededBefore: params.succeededBefore.getTime(),
      deadBefore: params.deadBefore.getTime(),
      cancelledBefore: params.cancelledBefore.getTime(),
      limit: boundedLimit(params.limit),
    });
  }
}

function compareNumeric(a: string, b: string): number {
  return Number(a) - Number(b);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
