/**
 * Jobs on PostgreSQL (`store.jobs`): inserting (job-inserts.ts) and reading them, claims (limited
 * queues in limited-claims.ts), leases and outcomes, operator actions (job-actions.ts), counts and
 * maintenance.
 *
 * Outcomes and lease recoveries that finish a child settle its flow parent only after they commit
 * (see flows.ts); a settle that fails then is logged, and maintenance's sweep settles the parent.
 */
import { isFinalState, type Job, type JobState } from '../job.js';
import type { Logger } from '../logger.js';
import { attemptErrorFromJson, parseCursor, parseJobId, storableText } from '../store/encoding.js';
import { checkIntervalMs, finishedInInterval, type FinishedSlotRow } from '../store/finished-intervals.js';
import { sortByClaimOrder, type ClaimOrderKey } from '../store/claim-order.js';
import { latestErrorFingerprint } from '../store/failure-fingerprints.js';
import type { KeptCountState } from '../store/kept-counts.js';
import { boundedLimit, NO_CURSOR, unique } from '../store/row-limits.js';
import { idBoundsFromRow, nextListCursor, textSearchWindow, type IdBounds, type IdBoundsRow } from '../store/text-search.js';
import type {
  CallerTransaction,
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
import type { PostgresAccess, Queryable } from './access.js';
import { parentsOfFinished, type ChangedJobRow, type PostgresFlows } from './flows.js';
import { PostgresJobActions } from './job-actions.js';
import type { JobInserts } from './job-inserts.js';
import type { LimitedQueueClaims } from './limited-claims.js';
import { sendableListFilter } from './list-filter.js';
import type { PostgresQueries } from './queries.js';
import { leaseRecoveryUpdate } from '../store/lease-recovery.js';
import { updateRecord, type UpdateRecord } from './records.js';
import { expiredLeaseFromRow, jobFromRow, jobSummaryFromRow, leaseFromRow, type ExpiredLeaseRow, type FailureTimesRow, type JobCountRow, type JobRow, type JobSummaryRow, type LeaseRow, type UnfingerprintedRow } from './rows.js';

/** What the jobs part works with: the pool and statements, and the parts it shares with the rest of the store. */
export interface PostgresJobsDeps {
  db: PostgresAccess;
  sql: PostgresQueries;
  inserts: JobInserts;
  limitedClaims: LimitedQueueClaims;
  flows: PostgresFlows;
  logger: Logger | null;
}

export class PostgresJobs implements JobStore {
  private readonly db: PostgresAccess;
  private readonly sql: PostgresQueries;
  private readonly actions: PostgresJobActions;

  constructor(private readonly deps: PostgresJobsDeps) {
    this.db = deps.db;
    this.sql = deps.sql;
    this.actions = new PostgresJobActions(deps.db, deps.sql);
  }

  // ---- insert and read -----------------------------------------------------------------------

  async insertMany(params: { jobs: JobInsert[]; now: Date; tx?: CallerTransaction }): Promise<JobInsertResult[]> {
    if (params.jobs.length === 0) return [];
    if (params.tx !== undefined) return this.deps.inserts.insert(params.tx, params.jobs, params.now);
    // One statement is atomic by itself; a batch with dedup keys may need a second lookup, so it
    // runs in a transaction to stay all-or-nothing.
    const needsTransaction = params.jobs.length > 1 && params.jobs.some((job) => job.dedupKey !== null);
    if (!needsTransaction) return this.deps.inserts.insert(this.db.pool, params.jobs, params.now);
    return this.db.transaction((client) => this.deps.inserts.insert(client, params.jobs, params.now));
  }

  async get(params: { id: string }): Promise<Job | null> {
    const id = parseJobId(params.id);
    if (id === null) return null;
    const row = await this.db.one<JobRow>(this.db.pool, this.sql.JOB_GET, [id]);
    return row === undefined ? null : jobFromRow(row);
  }

  async list(params: JobListParams): Promise<JobListPage> {
    const page = await this.listPage<JobRow>(this.sql.JOB_LIST, [], params);
    return { jobs: page.rows.map(jobFromRow), nextCursor: page.nextCursor };
  }

  async summaryList(params: JobSummaryListParams): Promise<JobSummaryPage> {
    const { previewChars, messageChars } = params;
    const page = await this.listPage<JobSummaryRow>(this.sql.JOB_SUMMARY_LIST, [previewChars, messageChars], params);
    return { jobs: page.rows.map((row) => jobSummaryFromRow(row, previewChars, messageChars)), nextCursor: page.nextCursor };
  }

  /** One page of a listing statement (`JOB_LIST` or `JOB_SUMMARY_LIST`), `extra` bound from $10. */
  private async listPage<Row extends { id: string }>(statement: string, extra: unknown[], params: JobListParams): Promise<{ rows: Row[]; nextCursor: string | null }> {
    const limit = boundedLimit(params.limit);
    const beforeId = params.cursor === null ? NO_CURSOR : parseCursor(params.cursor);
    const filter = sendableListFilter(params.filter);
    if (filter === null) return { rows: [], nextCursor: null };
    const { states, task, queue, createdAfter, createdBefore, text } = filter;
    const window = text === undefined ? null : textSearchWindow(await this.idBounds(), beforeId, params.textSearchWindow);
    // One row more than asked tells whether another page follows.
    const rows = await this.db.all<Row>(this.db.pool, statement, [
      beforeId,
      states === undefined ? null : unique(states),
      task ?? null,
      queue ?? null,
      limit + 1,
      createdAfter ?? null,
      createdBefore ?? null,
      text === undefined ? null : `%${text.replace(/[\\%_]/g, '\\$&')}%`,
      window?.floor ?? null,
      ...extra,
    ]);
    const page = rows.slice(0, limit);
    return { rows: page, nextCursor: nextListCursor(rows.length > limit, page.at(-1)?.id, window) };
  }

  private async idBounds(): Promise<IdBounds> {
    return idBoundsFromRow(await this.db.one<IdBoundsRow>(this.db.pool, this.sql.JOB_ID_BOUNDS, []));
  }

  // ---- claims, leases and outcomes -----------------------------------------------------------

  /**
   * Limited queues first, each in its own transaction under the queue's lock; then the rest in the
   * one `JOB_CLAIM` statement, which passes over limited queues however stale the list of them is.
   * (So claim order holds within a queue, and across the unlimited queues of a claim.)
   */
  async claim(params: JobClaimParams): Promise<Job[]> {
    const limit = boundedLimit(params.limit);
    if (params.queues.length === 0 || params.tasks.length === 0 || limit === 0) return [];
    const queues = unique(params.queues);
    const tasks = unique(params.tasks);
    const limited = await this.deps.limitedClaims.queues();
    const claimed: JobRow[] = [];
    for (const queue of queues.filter((name) => limited.has(name))) {
      if (claimed.length >= limit) break;
      claimed.push(...(await this.deps.limitedClaims.claim(queue, { ...params, tasks, limit: limit - claimed.length })));
    }
    if (claimed.length < limit) {
      claimed.push(
        ...(await this.db.all<JobRow>(this.db.pool, this.sql.JOB_CLAIM, [queues, tasks, params.now, limit - claimed.length, params.workerId, params.leaseExpiresAt])),
      );
    }
    return sortByClaimOrder(claimed, claimOrderKey).map(jobFromRow);
  }

  async leaseExtend(params: { workerId: string; leaseExpiresAt: Date }): Promise<JobLease[]> {
    const rows = await this.db.all<LeaseRow>(this.db.pool, this.sql.JOB_LEASE_EXTEND, [params.workerId, params.leaseExpiresAt]);
    return rows.map(leaseFromRow);
  }

  async setStateIfRunningMany(params: { updates: JobStateUpdate[] }): Promise<Array<{ id: string; applied: boolean }>> {
    const records = params.updates.map(updateRecord).filter((record): record is UpdateRecord => record !== null);
    const changed = records.length === 0 ? [] : await this.applyUpdates(this.db.pool, records);
    const parents = parentsOfFinished(changed);
    if (parents.length > 0) await this.settleAfterCommit(parents, latestAt(params.updates));
    // Each id is reported applied once: a second update of the same attempt in one batch found it settled.
    const remaining = new Set(changed.map((row) => row.id));
    return params.updates.map((update) => ({ id: update.id, applied: remaining.delete(update.id) }));
  }

  async progressSet(params: JobProgressSetParams): Promise<boolean> {
    const id = parseJobId(params.id);
    if (id === null) return false;
    const changed = await this.db.run(this.db.pool, this.sql.JOB_PROGRESS_SET, [
      id,
      params.attempt,
      params.workerId,
      params.progress.fraction,
      params.progress.message === null ? null : storableText(params.progress.message),
      params.now,
    ]);
    return changed === 1;
  }

  /** Each expired lease is settled as `leaseRecoveryUpdate` decides, in one transaction with the read. */
  async recoverExpiredLeases(params: { now: Date; limit: number }): Promise<number> {
    const limit = boundedLimit(params.limit);
    if (limit === 0) return 0;
    const changed = await this.db.transaction(async (client) => {
      const expired = await this.db.all<ExpiredLeaseRow>(client, this.sql.JOB_LEASES_EXPIRED, [params.now, limit]);
      if (expired.length === 0) return [];
      const updates = expired.map((row) => leaseRecoveryUpdate(expiredLeaseFromRow(row), params.now));
      return this.applyUpdates(client, updates.map(updateRecord).filter((record): record is UpdateRecord => record !== null));
    });
    const parents = parentsOfFinished(changed);
    if (parents.length > 0) await this.settleAfterCommit(parents, params.now);
    return changed.length;
  }

  /** Apply outcome records; returns the jobs changed, and wakes workers for jobs put back in their queue. */
  private async applyUpdates(db: Queryable, records: UpdateRecord[]): Promise<ChangedJobRow[]> {
    const rows = await this.db.all<ChangedJobRow & { queue: string }>(db, this.sql.JOB_SET_STATE_IF_RUNNING, [
      JSON.stringify(records),
      records.map((record) => record.id),
    ]);
    const requeued = rows.filter((row) => row.state === 'queued').map((row) => row.queue);
    if (requeued.length > 0) await this.db.query(db, this.sql.NOTIFY_QUEUES, [unique(requeued)]);
    return rows;
  }

  /**
   * Settle the parents of children that outcomes or lease recoveries finished, once those committed.
   * They stand whatever happens here: a failure is logged, not thrown (the caller would otherwise
   * write them again and find them already applied), and the `flows.settleWaiting` sweep settles the parents.
   */
  private async settleAfterCommit(parents: string[], now: Date): Promise<void> {
    try {
      await this.deps.flows.settle(parents, now);
    } catch (error) {
      this.deps.logger?.warn({ err: error, parents }, 'store: could not settle flow jobs whose children finished; maintenance will settle them');
    }
  }

  // ---- operator actions (job-actions.ts) -----------------------------------------------------

  async cancel(params: { id: string; now: Date }): Promise<Job | null> {
    const job = await this.actions.cancel(params);
    // Settled after the cancel committed (flows.ts); harmless when the job was finished already.
    if (job?.parentId != null && isFinalState(job.state)) await this.deps.flows.settle([job.parentId], params.now);
    return job;
  }

  async retry(params: { id: string; now: Date }): Promise<Job | null> {
    const job = await this.actions.retry(params);
    // A job with children waits for them again: settled after the retry committed (flows.ts).
    if (job?.state !== 'waiting') return job;
    await this.deps.flows.settle([job.id], params.now);
    return (await this.get({ id: job.id })) ?? job;
  }

  async deleteFinished(params: { ids: readonly string[] }): Promise<string[]> {
    const ids = params.ids.map(parseJobId).filter((id) => id !== null);
    if (ids.length === 0) return [];
    const rows = await this.db.all<{ id: string }>(this.db.pool, this.sql.JOB_DELETE_FINISHED, [ids]);
    return rows.map((row) => String(row.id)).sort((a, b) => Number(a) - Number(b));
  }

  async runNow(params: { id: string; now: Date }): Promise<Job | null> {
    return this.actions.runNow(params);
  }

  // ---- counts and maintenance ----------------------------------------------------------------

  async countByGroup(params: { states: JobState[] }): Promise<JobCount[]> {
    if (params.states.length === 0) return [];
    const perState = await Promise.all(unique(params.states).map((state) => this.db.all<JobCountRow>(this.db.pool, this.sql.JOB_COUNT_IN_STATE, [state])));
    return perState
      .flat()
      .map((row) => ({ task: row.task, queue: row.queue, state: row.state, count: row.count, oldestCreatedAt: row.oldest_created_at }))
      .sort(byGroup);
  }

  async countKept(params: { states: KeptCountState[] }): Promise<JobStateCount[]> {
    if (params.states.length === 0) return [];
    const rows = await this.db.all<JobStateCount>(this.db.pool, this.sql.JOB_COUNT_KEPT, [unique(params.states)]);
    return rows.sort(byGroup);
  }

  async foldKeptCounts(params: { limit: number }): Promise<number> {
    const limit = boundedLimit(params.limit);
    if (limit === 0) return 0;
    return (await this.db.one<{ folded: number }>(this.db.pool, this.sql.JOB_COUNT_FOLD, [limit]))?.folded ?? 0;
  }

  async countFailures(): Promise<FailureCount[]> {
    const rows = await this.db.all<FailureCount & { fingerprint: string }>(this.db.pool, this.sql.JOB_COUNT_FAILURES, []);
    return rows
      .map((row) => ({ ...row, fingerprint: row.fingerprint === '' ? null : row.fingerprint }))
      .sort((a, b) => compareText(a.fingerprint ?? '', b.fingerprint ?? '') || byGroup(a, b));
  }

  async failureTimes(params: { fingerprint: string; since: Date }): Promise<FailureTimes | null> {
    const row = await this.db.one<FailureTimesRow>(this.db.pool, this.sql.JOB_FAILURE_TIMES, [params.fingerprint, params.since]);
    if (row === undefined) return null;
    return { firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at, recent: row.recent, sampleJobId: String(row.sample_job_id) };
  }

  async fingerprintFailures(params: { limit: number }): Promise<number> {
    const limit = boundedLimit(params.limit);
    if (limit === 0) return 0;
    const rows = await this.db.all<UnfingerprintedRow>(this.db.pool, this.sql.JOB_FAILURES_UNFINGERPRINTED, [limit]);
    if (rows.length === 0) return 0;
    const records = rows.map((row) => ({
      id: row.id,
      error_count: row.error_count,
      fingerprint: latestErrorFingerprint(row.latest_error === null ? null : attemptErrorFromJson(row.latest_error)).fingerprint,
    }));
    return this.db.run(this.db.pool, this.sql.JOB_FAILURE_FINGERPRINTS_SET, [JSON.stringify(records)]);
  }

  async countFinishedSince(params: { since: Date }): Promise<JobFinishedCount[]> {
    return this.db.all<JobFinishedCount>(this.db.pool, this.sql.JOB_COUNT_FINISHED_SINCE, [params.since]);
  }

  async countFinishedByInterval(params: { from: Date; to: Date; intervalMs: number }): Promise<JobFinishedInInterval[]> {
    const intervalMs = checkIntervalMs(params.intervalMs);
    const rows = await this.db.all<FinishedSlotRow>(this.db.pool, this.sql.JOB_COUNT_FINISHED_BY_INTERVAL, [params.from, params.to, intervalMs]);
    return rows.map((row) => finishedInInterval(row, params.from, intervalMs));
  }

  async promoteDue(params: { now: Date; limit: number }): Promise<number> {
    const limit = boundedLimit(params.limit);
    if (limit === 0) return 0;
    const rows = await this.db.all<{ queue: string }>(this.db.pool, this.sql.JOB_PROMOTE_DUE, [params.now, limit]);
    const queues = unique(rows.map((row) => row.queue));
    if (queues.length > 0) await this.db.query(this.db.pool, this.sql.NOTIFY_QUEUES, [queues]);
    return rows.length;
  }

  async pruneFinished(params: JobPruneFinishedParams): Promise<number> {
    const limit = boundedLimit(params.limit);
    if (limit === 0) return 0;
    return this.db.run(this.db.pool, this.sql.JOB_PRUNE_FINISHED, [params.succeededBefore, params.deadBefore, params.cancelledBefore, limit]);
  }
}

function claimOrderKey(row: JobRow): ClaimOrderKey {
  return { priority: row.priority, runAt: row.run_at.getTime(), id: Number(row.id) };
}

/** When the last of these outcomes happened: the time their parents are settled at. */
function latestAt(updates: readonly JobStateUpdate[]): Date {
  return new Date(updates.reduce((latest, update) => Math.max(latest, update.at.getTime()), 0));
}

/** By task, then queue, then state: the order `jobs.countByGroup` returned when it was one statement. */
function byGroup(a: JobStateCount, b: JobStateCount): number {
  return compareText(a.task, b.task) || compareText(a.queue, b.queue) || compareText(a.state, b.state);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
