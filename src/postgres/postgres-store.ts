/**
 * The `Store` on PostgreSQL, for any number of workers on any number of machines.
 *
 * Concurrency: every write is one statement, or one transaction that locks the rows it decides on
 * (`FOR UPDATE`; `SKIP LOCKED` where any other row will do, so claims and maintenance never queue
 * behind each other). Maintenance is therefore safe to run from every worker at once: no leader.
 *
 * Connections: a pool for statements (`PostgresAccess`, access.ts: named hot statements, transactions,
 * connection errors), plus one LISTEN connection (`NoticeListener`) once anything subscribes to
 * notices. A connection that drops is discarded by the pool and the next statement opens a new one;
 * the caller (the worker) retries failed statements with backoff.
 *
 * This class keeps the job hot path (insert, claim, leases, outcomes) and the order of steps that span
 * commits; the rest lives apart, one file each, and the store delegates: migrations in migrator.ts;
 * the dedup-aware job insert in job-inserts.ts; cancel and retry in job-actions.ts; claims from limited
 * queues in limited-claims.ts; the jsonb records of batch statements in records.ts; flows, and how a
 * parent is settled when its children finish, in flows.ts; workers, queues and schedules in
 * workers.ts, queues.ts and schedules.ts.
 */
import pg from 'pg';
import { isFinalState, type Job, type JobState } from '../job.js';
import type { Logger } from '../logger.js';
import { parseCursor, parseJobId, storableText } from '../store/encoding.js';
import { checkIntervalMs, finishedInInterval, type FinishedSlotRow } from '../store/finished-intervals.js';
import { idBoundsFromRow, nextListCursor, textSearchWindow, type IdBounds, type IdBoundsRow } from '../store/text-search.js';
import type {
  CallerTransaction,
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
  StoreNotice,
  WorkerRecord,
  HandlerIgnoringAbort,
  JobSummaryListParams,
  JobSummaryPage,
  SessionRecord,
  StoreWritability,
} from '../store/store.js';
import { PostgresAccess, type Queryable } from './access.js';
import { parentsOfFinished, PostgresFlows, type ChangedJobRow } from './flows.js';
import { PostgresJobEvents } from './job-events.js';
import { PostgresJobActions } from './job-actions.js';
import { JobInserts } from './job-inserts.js';
import { LimitedQueueClaims } from './limited-claims.js';
import { PostgresMigrator } from './migrator.js';
import { NoticeListener } from './notice-listener.js';
import { noticeChannel, postgresQueries, type PostgresQueries } from './queries.js';
import { PostgresQueues } from './queues.js';
import { recoveryRecord, updateRecord, type UpdateRecord } from './records.js';
import {
  jobFromRow,
  jobSummaryFromRow,
  leaseFromRow,
  type ExpiredLeaseRow,
  type JobSummaryRow,
  type JobCountRow,
  type JobRow,
  type LeaseRow,
} from './rows.js';
import { PostgresSchedules } from './schedules.js';
import { PostgresSessions } from './sessions.js';
import { PostgresWorkers } from './workers.js';
import { sendableListFilter } from './list-filter.js';
import { postgresWritability } from './writability.js';

/** Ids are below this; the first page of a listing asks for ids below it. */
const NO_CURSOR = Number.MAX_SAFE_INTEGER;

export interface PostgresStoreConfig {
  pool: pg.Pool;
  /** How the notice listener connects (the pool's settings). */
  clientConfig: pg.ClientConfig;
  schema: string;
  /** The URL as errors show it (password redacted). */
  displayUrl: string;
  logger: Logger | null;
}

/** The PostgreSQL implementation of {@link Store}. Open one with `openPostgresStore`. */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly capabilities: StoreCapabilities = { transactionalEnqueue: true, crossProcessWakeUp: true, eventsInCommitOrder: false };
  /** The schema Conveyor's tables live in. */
  readonly schema: string;

  private readonly db: PostgresAccess;
  private readonly sql: PostgresQueries;
  private readonly notices: NoticeListener;
  private closing: Promise<void> | null = null;
  private readonly limitedClaims: LimitedQueueClaims;
  private readonly flows: PostgresFlows;
  private readonly migrator: PostgresMigrator;
  private readonly jobInserts: JobInserts;
  private readonly jobActions: PostgresJobActions;
  private readonly workers: PostgresWorkers;
  private readonly sessions: PostgresSessions;
  private readonly queues: PostgresQueues;
  private readonly schedules: PostgresSchedules;
  private readonly jobEvents: PostgresJobEvents;
  private readonly logger: Logger | null;

  constructor(config: PostgresStoreConfig) {
    this.schema = config.schema;
    this.sql = postgresQueries(config.schema);
    this.db = new PostgresAccess(config.pool, this.sql, config.displayUrl);
    this.limitedClaims = new LimitedQueueClaims(this.db, this.sql);
    this.flows = new PostgresFlows(this.db, config.schema);
    this.migrator = new PostgresMigrator(this.db, this.sql, config.schema);
    this.jobInserts = new JobInserts(this.db, this.sql);
    this.jobActions = new PostgresJobActions(this.db, this.sql);
    this.workers = new PostgresWorkers(this.db, this.sql);
    this.sessions = new PostgresSessions(this.db, this.sql);
    this.queues = new PostgresQueues(this.db, this.sql, this.limitedClaims);
    this.schedules = new PostgresSchedules(this.db, this.sql, this.jobInserts);
    this.jobEvents = new PostgresJobEvents(this.db, config.schema);
    this.logger = config.logger;
    this.notices = new NoticeListener(config.clientConfig, noticeChannel(config.schema), this.sql.LISTEN, config.logger);
  }

  // ---- migrations (migrator.ts) --------------------------------------------------------------

  async migrationStatus(): Promise<MigrationStatus> {
    return this.migrator.status();
  }

  async migrationRun(params: { now: Date }): Promise<MigrationStatus> {
    return this.migrator.run(params);
  }

  // ---- jobs: insert and read -----------------------------------------------------------------

  async jobInsertMany(params: { jobs: JobInsert[]; now: Date; tx?: CallerTransaction }): Promise<JobInsertResult[]> {
    if (params.jobs.length === 0) return [];
    if (params.tx !== undefined) return this.jobInserts.insert(params.tx, params.jobs, params.now);
    // One statement is atomic by itself; a batch with dedup keys may need a second lookup, so it
    // runs in a transaction to stay all-or-nothing.
    const needsTransaction = params.jobs.length > 1 && params.jobs.some((job) => job.dedupKey !== null);
    if (!needsTransaction) return this.jobInserts.insert(this.db.pool, params.jobs, params.now);
    return this.db.transaction((client) => this.jobInserts.insert(client, params.jobs, params.now));
  }

  async jobGet(params: { id: string }): Promise<Job | null> {
    const id = parseJobId(params.id);
    if (id === null) return null;
    const row = await this.db.one<JobRow>(this.db.pool, this.sql.JOB_GET, [id]);
    return row === undefined ? null : jobFromRow(row);
  }

  async jobList(params: JobListParams): Promise<JobListPage> {
    const page = await this.listPage<JobRow>(this.sql.JOB_LIST, [], params);
    return { jobs: page.rows.map(jobFromRow), nextCursor: page.nextCursor };
  }

  async jobSummaryList(params: JobSummaryListParams): Promise<JobSummaryPage> {
    const { previewChars, messageChars } = params;
    const page = await this.listPage<JobSummaryRow>(this.sql.JOB_SUMMARY_LIST, [previewChars, messageChars], params);
    return { jobs: page.rows.map((row) => jobSummaryFromRow(row, previewChars, messageChars)), nextCursor: page.nextCursor };
  }

  /** One page of a listing statement (`JOB_LIST` or `JOB_SUMMARY_LIST`), `extra` bound from $10. */
  private async listPage<Row extends { id: string }>(statement: string, extra: unknown[], params: JobListParams): Promise<{ rows: Row[]; nextCursor: string | null }> {
    const limit = bounded(params.limit);
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

  async jobCountByGroup(params: { states: JobState[] }): Promise<JobCount[]> {
    if (params.states.length === 0) return [];
    const perState = await Promise.all(unique(params.states).map((state) => this.db.all<JobCountRow>(this.db.pool, this.sql.JOB_COUNT_IN_STATE, [state])));
    return perState
      .flat()
      .map((row) => ({ task: row.task, queue: row.queue, state: row.state, count: row.count, oldestCreatedAt: row.oldest_created_at }))
      .sort(byGroup);
  }

  async jobCountFinishedSince(params: { since: Date }): Promise<JobFinishedCount[]> {
    return this.db.all<JobFinishedCount>(this.db.pool, this.sql.JOB_COUNT_FINISHED_SINCE, [params.since]);
  }
  async jobCountFinishedByInterval(params: { from: Date; to: Date; intervalMs: number }): Promise<JobFinishedInInterval[]> {
    const intervalMs = checkIntervalMs(params.intervalMs);
    const rows = await this.db.all<FinishedSlotRow>(this.db.pool, this.sql.JOB_COUNT_FINISHED_BY_INTERVAL, [params.from, params.to, intervalMs]);
    return rows.map((row) => finishedInInterval(row, params.from, intervalMs));
  }


  // ---- jobs: claim, leases and outcomes ------------------------------------------------------

  /**
   * Limited queues first, each in its own transaction under the queue's lock; then the rest in the
   * one `JOB_CLAIM` statement, which passes over limited queues however stale the list of them is.
   * (So claim order holds within a queue, and across the unlimited queues of a claim.)
   */
  async jobClaim(params: JobClaimParams): Promise<Job[]> {
    const limit = bounded(params.limit);
    if (params.queues.length === 0 || params.tasks.length === 0 || limit === 0) return [];
    const queues = unique(params.queues);
    const tasks = unique(params.tasks);
    const limited = await this.limitedClaims.queues();
    const claimed: JobRow[] = [];
    for (const queue of queues.filter((name) => limited.has(name))) {
      if (claimed.length >= limit) break;
      claimed.push(...(await this.limitedClaims.claim(queue, { ...params, tasks, limit: limit - claimed.length })));
    }
    if (claimed.length < limit) {
      claimed.push(
        ...(await this.db.all<JobRow>(this.db.pool, this.sql.JOB_CLAIM, [queues, tasks, params.now, limit - claimed.length, params.workerId, params.leaseExpiresAt])),
      );
    }
    return claimed.sort(byClaimOrder).map(jobFromRow);
  }

  async jobLeaseExtend(params: { workerId: string; leaseExpiresAt: Date }): Promise<JobLease[]> {
    const rows = await this.db.all<LeaseRow>(this.db.pool, this.sql.JOB_LEASE_EXTEND, [params.workerId, params.leaseExpiresAt]);
    return rows.map(leaseFromRow);
  }

  async jobSetStateIfRunningMany(params: { updates: JobStateUpdate[] }): Promise<Array<{ id: string; applied: boolean }>> {
    const records = params.updates.map(updateRecord);
    const valid = records.filter((record): record is UpdateRecord => record !== null);
    const changed = valid.length === 0 ? [] : await this.applyUpdates(this.db.pool, valid);
    const parents = parentsOfFinished(changed);
    if (parents.length > 0) await this.settleAfterCommit(parents, latestAt(params.updates));
    // Each id is reported applied once: a second update of the same attempt in one batch found it settled.
    const remaining = new Set(changed.map((row) => row.id));
    return params.updates.map((update) => ({ id: update.id, applied: remaining.delete(update.id) }));
  }

  async jobProgressSet(params: JobProgressSetParams): Promise<boolean> {
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

  async jobRecoverExpiredLeases(params: { now: Date; limit: number }): Promise<number> {
    const limit = bounded(params.limit);
    if (limit === 0) return 0;
    const changed = await this.db.transaction(async (client) => {
      const expired = await this.db.all<ExpiredLeaseRow>(client, this.sql.JOB_LEASES_EXPIRED, [params.now, limit]);
      if (expired.length === 0) return [];
      return this.applyUpdates(client, expired.map((row) => recoveryRecord(row, params.now)));
    });
    const parents = parentsOfFinished(changed);
    if (parents.length > 0) await this.settleAfterCommit(parents, params.now);
    return changed.length;
  }

  // ---- jobs: operator actions (job-actions.ts) -----------------------------------------------

  async jobCancel(params: { id: string; now: Date }): Promise<Job | null> {
    const job = await this.jobActions.cancel(params);
    // Settled after the cancel committed (flows.ts); harmless when the job was finished already.
    if (job?.parentId != null && isFinalState(job.state)) await this.flows.settle([job.parentId], params.now);
    return job;
  }

  async jobRetry(params: { id: string; now: Date }): Promise<Job | null> {
    const job = await this.jobActions.retry(params);
    // A job with children waits for them again: settled after the retry committed (flows.ts).
    if (job?.state !== 'waiting') return job;
    await this.flows.settle([job.id], params.now);
    return (await this.jobGet({ id: job.id })) ?? job;
  }

  // ---- jobs: maintenance ---------------------------------------------------------------------

  async jobPromoteDue(params: { now: Date; limit: number }): Promise<number> {
    const limit = bounded(params.limit);
    if (limit === 0) return 0;
    const rows = await this.db.all<{ queue: string }>(this.db.pool, this.sql.JOB_PROMOTE_DUE, [params.now, limit]);
    await this.notifyQueues(rows.map((row) => row.queue));
    return rows.length;
  }

  async jobPruneFinished(params: JobPruneFinishedParams): Promise<number> {
    const limit = bounded(params.limit);
    if (limit === 0) return 0;
    return this.db.run(this.db.pool, this.sql.JOB_PRUNE_FINISHED, [params.succeededBefore, params.deadBefore, params.cancelledBefore, limit]);
  }

  // ---- flows (flows.ts) ----------------------------------------------------------------------

  async flowInsert(params: { jobs: FlowJobInsert[]; now: Date; tx?: CallerTransaction }): Promise<Job[]> {
    return this.flows.insert(params);
  }

  async flowGet(params: { id: string }): Promise<Job[]> {
    return this.flows.get(params.id);
  }

  async flowCancel(params: { id: string; now: Date }): Promise<Job[]> {
    return this.flows.cancel(params.id, params.now);
  }

  async jobChildList(params: { id: string }): Promise<Job[]> {
    return this.flows.children(params.id);
  }

  async jobSettleWaiting(params: { now: Date; limit: number }): Promise<number> {
    return this.flows.settleWaiting(params.now, bounded(params.limit));
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

  // ---- workers (workers.ts), queues (queues.ts) and schedules (schedules.ts) ----------------

  async workerRegister(params: { worker: WorkerRecord }): Promise<void> {
    return this.workers.register(params.worker);
  }

  async workerHeartbeat(params: { id: string; now: Date; handlersIgnoringAbort: HandlerIgnoringAbort[] }): Promise<boolean> {
    return this.workers.heartbeat(params);
  }

  async workerDeregister(params: { id: string }): Promise<void> {
    return this.workers.deregister(params);
  }

  async workerList(): Promise<WorkerRecord[]> {
    return this.workers.list();
  }

  async workerPrune(params: { heartbeatBefore: Date }): Promise<number> {
    return this.workers.prune(params);
  }

  async sessionCreate(params: { session: Omit<SessionRecord, 'revokedAt'> }): Promise<void> {
    return this.sessions.create(params.session);
  }

  async sessionGet(params: { idHash: string }): Promise<SessionRecord | null> {
    return this.sessions.get(params.idHash);
  }

  async sessionRevoke(params: { idHash: string; now: Date }): Promise<boolean> {
    return this.sessions.revoke(params.idHash, params.now);
  }

  async sessionPrune(params: { before: Date; limit: number }): Promise<number> {
    return this.sessions.prune(params.before, params.limit);
  }

  async queuePause(params: { name: string; now: Date }): Promise<QueueState> {
    return this.queues.pause(params);
  }

  async queueResume(params: { name: string; now: Date }): Promise<QueueState> {
    return this.queues.resume(params);
  }

  async queueList(): Promise<QueueState[]> {
    return this.queues.list();
  }

  async queueLimitsSet(params: { name: string; limits: QueueLimits; now: Date }): Promise<QueueState> {
    return this.queues.limitsSet(params);
  }

  async scheduleUpsert(params: { schedule: ScheduleUpsert; now: Date }): Promise<ScheduleRecord> {
    return this.schedules.upsert(params);
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
    return this.schedules.remove(params);
  }

  async scheduleDueList(params: { now: Date; limit: number }): Promise<ScheduleRecord[]> {
    return this.schedules.dueList(params.now, bounded(params.limit));
  }

  async scheduleFire(params: ScheduleFireParams): Promise<ScheduleFireResult> {
    return this.schedules.fire(params);
  }

  // ---- notices and lifecycle -----------------------------------------------------------------

  noticeListen(listener: (notice: StoreNotice) => void): () => void {
    return this.notices.subscribe(listener);
  }

  async storeWritableCheck(): Promise<StoreWritability> {
    return postgresWritability(this.db);
  }

  /** Resolves once the LISTEN connection is up (after the first `noticeListen`). */
  async noticesReady(): Promise<void> {
    await this.notices.ready();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.notices.close();
      await this.db.pool.end();
    })();
    return this.closing;
  }

  // ---- helpers -------------------------------------------------------------------------------

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
   * write them again and find them already applied), and the `jobSettleWaiting` sweep settles the parents.
   */
  private async settleAfterCommit(parents: string[], now: Date): Promise<void> {
    try {
      await this.flows.settle(parents, now);
    } catch (error) {
      this.logger?.warn({ err: error, parents }, 'store: could not settle flow jobs whose children finished; maintenance will settle them');
    }
  }

  private async notifyQueues(queues: string[]): Promise<void> {
    if (queues.length > 0) await this.db.query(this.db.pool, this.sql.NOTIFY_QUEUES, [unique(queues)]);
  }
}

/** Highest priority first, then oldest `runAt`, then lowest id: the order `jobClaim` promises. */
function byClaimOrder(a: JobRow, b: JobRow): number {
  return b.priority - a.priority || a.run_at.getTime() - b.run_at.getTime() || Number(a.id) - Number(b.id);
}

/** When the last of these outcomes happened: the time their parents are settled at. */
function latestAt(updates: readonly JobStateUpdate[]): Date {
  return new Date(updates.reduce((latest, update) => Math.max(latest, update.at.getTime()), 0));
}

/** A whole, non-negative row count. */
function bounded(limit: number): number {
  return Number.isNaN(limit) ? 0 : Math.max(0, Math.floor(Math.min(limit, NO_CURSOR)));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** By task, then queue, then state: the order `jobCountByGroup` returned when it was one statement. */
function byGroup(a: JobCount, b: JobCount): number {
  return compareText(a.task, b.task) || compareText(a.queue, b.queue) || compareText(a.state, b.state);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
