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
 * the caller (the worker) retries failed statements with backoff. Claims from limited queues are in
 * limited-claims.ts; the jsonb records of batch statements in records.ts; flows, and how a parent is
 * settled when its children finish, in flows.ts.
 */
import pg from 'pg';
import { ConveyorError, ConveyorStateError } from '../errors.js';
import { isFinalState, type Job, type JobState } from '../job.js';
import type { Logger } from '../logger.js';
import { parseCursor, parseJobId, storableText, toJsonText } from '../store/encoding.js';
import { planMigrations } from '../store/migration-plan.js';
import { limitsToColumns } from '../store/queue-limits.js';
import type {
  AppliedMigration,
  CallerTransaction,
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
  StoreNotice,
  WorkerRecord,
} from '../store/store.js';
import { PostgresAccess, type Queryable } from './access.js';
import { parentsOfFinished, PostgresFlows, type ChangedJobRow } from './flows.js';
import { LimitedQueueClaims } from './limited-claims.js';
import { migrations } from './migrations.generated.js';
import { NoticeListener } from './notice-listener.js';
import { noticeChannel, postgresQueries, type PostgresQueries } from './queries.js';
import { insertRecord, recoveryRecord, updateRecord, type UpdateRecord } from './records.js';
import {
  appliedMigrationFromRow,
  jobFromRow,
  leaseFromRow,
  queueFromRow,
  scheduleFromRow,
  workerFromRow,
  type ExpiredLeaseRow,
  type JobCountRow,
  type JobRow,
  type LeaseRow,
  type MigrationRow,
  type QueueRow,
  type ScheduleRow,
  type WorkerRow,
} from './rows.js';

/** Ids are below this; the first page of a listing asks for ids below it. */
const NO_CURSOR = Number.MAX_SAFE_INTEGER;

/** How often an insert retries a dedup key whose holder finished between the insert and the lookup. */
const DEDUP_RACE_RETRIES = 5;

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
  readonly capabilities: StoreCapabilities = { transactionalEnqueue: true, crossProcessWakeUp: true };
  /** The schema Conveyor's tables live in. */
  readonly schema: string;

  private readonly db: PostgresAccess;
  private readonly sql: PostgresQueries;
  private readonly notices: NoticeListener;
  private closing: Promise<void> | null = null;
  private readonly limitedClaims: LimitedQueueClaims;
  private readonly flows: PostgresFlows;
  private readonly logger: Logger | null;

  constructor(config: PostgresStoreConfig) {
    this.schema = config.schema;
    this.sql = postgresQueries(config.schema);
    this.db = new PostgresAccess(config.pool, this.sql, config.displayUrl);
    this.limitedClaims = new LimitedQueueClaims(this.db, this.sql);
    this.flows = new PostgresFlows(this.db, config.schema);
    this.logger = config.logger;
    this.notices = new NoticeListener(config.clientConfig, noticeChannel(config.schema), this.sql.LISTEN, config.logger);
  }

  // ---- migrations ----------------------------------------------------------------------------

  async migrationStatus(): Promise<MigrationStatus> {
    return planMigrations(migrations, await this.readAppliedMigrations(this.db.pool));
  }

  async migrationRun(params: { now: Date }): Promise<MigrationStatus> {
    return this.db.transaction(async (client) => {
      // The advisory lock serialises migrating processes: the second one waits, then finds nothing pending.
      await client.query(this.sql.MIGRATION_LOCK, [this.schema]);
      await client.query(this.sql.SCHEMA_CREATE);
      await client.query(this.sql.MIGRATIONS_TABLE_CREATE);
      const { pending } = planMigrations(migrations, await this.readAppliedMigrations(client));
      if (pending.length > 0) await client.query(this.sql.SEARCH_PATH_SET);
      for (const migration of migrations.filter((m) => pending.includes(m.version))) {
        await client.query(migration.sql);
        await client.query(this.sql.MIGRATION_RECORD, [migration.version, migration.name, migration.checksum, params.now]);
      }
      return planMigrations(migrations, await this.readAppliedMigrations(client));
    });
  }

  // ---- jobs: insert and read -----------------------------------------------------------------

  async jobInsertMany(params: { jobs: JobInsert[]; now: Date; tx?: CallerTransaction }): Promise<JobInsertResult[]> {
    if (params.jobs.length === 0) return [];
    if (params.tx !== undefined) return this.insertJobs(params.tx, params.jobs, params.now);
    // One statement is atomic by itself; a batch with dedup keys may need a second lookup, so it
    // runs in a transaction to stay all-or-nothing.
    const needsTransaction = params.jobs.length > 1 && params.jobs.some((job) => job.dedupKey !== null);
    if (!needsTransaction) return this.insertJobs(this.db.pool, params.jobs, params.now);
    return this.db.transaction((client) => this.insertJobs(client, params.jobs, params.now));
  }

  async jobGet(params: { id: string }): Promise<Job | null> {
    const id = parseJobId(params.id);
    if (id === null) return null;
    const row = await this.db.one<JobRow>(this.db.pool, this.sql.JOB_GET, [id]);
    return row === undefined ? null : jobFromRow(row);
  }

  async jobList(params: { filter: JobListFilter; cursor: string | null; limit: number }): Promise<JobListPage> {
    const limit = bounded(params.limit);
    const beforeId = params.cursor === null ? NO_CURSOR : parseCursor(params.cursor);
    const { states, task, queue, createdAfter, createdBefore, text } = params.filter;
    // One row more than asked tells whether another page follows.
    const rows = await this.db.all<JobRow>(this.db.pool, this.sql.JOB_LIST, [
      beforeId,
      states === undefined ? null : unique(states),
      task ?? null,
      queue ?? null,
      limit + 1,
      createdAfter ?? null,
      createdBefore ?? null,
      text === undefined ? null : `%${text.replace(/[\\%_]/g, '\\$&')}%`,
    ]);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { jobs: page.map(jobFromRow), nextCursor: rows.length > limit && last !== undefined ? last.id : null };
  }

  async jobCountByGroup(params: { states: JobState[] }): Promise<JobCount[]> {
    if (params.states.length === 0) return [];
    const rows = await this.db.all<JobCountRow>(this.db.pool, this.sql.JOB_COUNT_BY_GROUP, [unique(params.states)]);
    return rows.map((row) => ({ task: row.task, queue: row.queue, state: row.state, count: row.count, oldestCreatedAt: row.oldest_created_at }));
  }

  async jobCountFinishedSince(params: { since: Date }): Promise<JobFinishedCount[]> {
    return this.db.all<JobFinishedCount>(this.db.pool, this.sql.JOB_COUNT_FINISHED_SINCE, [params.since]);
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

  // ---- jobs: operator actions ----------------------------------------------------------------

  async jobCancel(params: { id: string; now: Date }): Promise<Job | null> {
    const job = await this.changeJob(params, async (client, row) => {
      // A running job is only asked to stop: its worker hears the notice, or sees the request at its next lease renewal.
      const statement = row.state === 'running' ? this.sql.JOB_CANCEL_REQUEST : this.sql.JOB_CANCEL_NOT_RUNNING;
      const { rowCount } = await client.query(statement, [row.id, params.now]);
      if (row.state === 'running' && rowCount === 1) await client.query(this.sql.NOTIFY_CANCEL, [row.id]);
    });
    // Settled after the cancel committed (flows.ts); harmless when the job was finished already.
    if (job?.parentId != null && isFinalState(job.state)) await this.flows.settle([job.parentId], params.now);
    return job;
  }

  async jobRetry(params: { id: string; now: Date }): Promise<Job | null> {
    const job = await this.changeJob(params, async (client, row) => {
      // A unique violation aborts the statement; the savepoint keeps the transaction usable for naming the holder.
      await client.query('SAVEPOINT retry');
      try {
        const changed = await client.query<{ state: JobState }>(this.sql.JOB_RETRY, [row.id, params.now]);
        if (changed.rows[0]?.state === 'queued') await client.query(this.sql.NOTIFY_QUEUES, [[row.queue]]);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT retry');
        throw await this.dedupConflictError(client, row);
      }
    });
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

  // ---- workers -------------------------------------------------------------------------------

  async workerRegister(params: { worker: WorkerRecord }): Promise<void> {
    const { worker } = params;
    await this.db.run(this.db.pool, this.sql.WORKER_REGISTER, [
      worker.id,
      worker.host,
      worker.pid,
      worker.queues,
      worker.tasks,
      worker.concurrency,
      worker.startedAt,
      worker.lastHeartbeatAt,
    ]);
  }

  async workerHeartbeat(params: { id: string; now: Date }): Promise<boolean> {
    return (await this.db.run(this.db.pool, this.sql.WORKER_HEARTBEAT, [params.id, params.now])) === 1;
  }

  async workerDeregister(params: { id: string }): Promise<void> {
    await this.db.run(this.db.pool, this.sql.WORKER_DEREGISTER, [params.id]);
  }

  async workerList(): Promise<WorkerRecord[]> {
    return (await this.db.all<WorkerRow>(this.db.pool, this.sql.WORKER_LIST, [])).map(workerFromRow);
  }

  async workerPrune(params: { heartbeatBefore: Date }): Promise<number> {
    return this.db.run(this.db.pool, this.sql.WORKER_PRUNE, [params.heartbeatBefore]);
  }

  // ---- queues --------------------------------------------------------------------------------

  async queuePause(params: { name: string; now: Date }): Promise<QueueState> {
    return this.changeQueue(this.sql.QUEUE_PAUSE, params);
  }

  /** Also notifies the queue's workers in every process, so idle ones claim at once. */
  async queueResume(params: { name: string; now: Date }): Promise<QueueState> {
    return this.changeQueue(this.sql.QUEUE_RESUME, params);
  }

  async queueList(): Promise<QueueState[]> {
    return (await this.db.all<QueueRow>(this.db.pool, this.sql.QUEUE_LIST, [])).map(queueFromRow);
  }

  async queueLimitsSet(params: { name: string; limits: QueueLimits; now: Date }): Promise<QueueState> {
    const columns = limitsToColumns(params.limits);
    const row = await this.db.one<QueueRow>(this.db.pool, this.sql.QUEUE_LIMITS_SET, [
      params.name,
      params.now,
      columns.concurrency_limit,
      columns.key_concurrency_limit,
      columns.rate_limit,
      columns.rate_interval_ms,
    ]);
    if (row === undefined) throw new ConveyorError(`PostgreSQL returned no row for queue "${params.name}" it limited.`);
    // This store's next claim reads the limited queues afresh.
    this.limitedClaims.forget();
    return queueFromRow(row);
  }

  private async changeQueue(statement: string, params: { name: string; now: Date }): Promise<QueueState> {
    const row = await this.db.one<QueueRow>(this.db.pool, statement, [params.name, params.now]);
    if (row === undefined) throw new ConveyorError(`PostgreSQL returned no row for queue "${params.name}" it changed.`);
    return queueFromRow(row);
  }

  // ---- schedules -----------------------------------------------------------------------------

  async scheduleUpsert(params: { schedule: ScheduleUpsert; now: Date }): Promise<ScheduleRecord> {
    const { schedule } = params;
    const row = await this.db.one<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_UPSERT, [
      schedule.name,
      schedule.task,
      schedule.queue,
      schedule.cron,
      schedule.timeZone,
      toJsonText(schedule.input),
      schedule.missed,
      schedule.nextRunAt,
      params.now,
    ]);
    if (row === undefined) throw new ConveyorError(`PostgreSQL returned no row for schedule "${schedule.name}" it upserted.`);
    return scheduleFromRow(row);
  }

  async scheduleList(): Promise<ScheduleRecord[]> {
    return (await this.db.all<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_LIST, [])).map(scheduleFromRow);
  }

  async schedulePause(params: { name: string; now: Date }): Promise<ScheduleRecord | null> {
    const row = await this.db.one<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_PAUSE, [params.name, params.now]);
    return row === undefined ? null : scheduleFromRow(row);
  }

  async scheduleResume(params: { name: string; nextRunAt: Date; now: Date }): Promise<ScheduleRecord | null> {
    const row = await this.db.one<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_RESUME, [params.name, params.nextRunAt, params.now]);
    return row === undefined ? null : scheduleFromRow(row);
  }

  async scheduleRemove(params: { name: string }): Promise<boolean> {
    return (await this.db.run(this.db.pool, this.sql.SCHEDULE_REMOVE, [params.name])) === 1;
  }

  async scheduleDueList(params: { now: Date; limit: number }): Promise<ScheduleRecord[]> {
    const rows = await this.db.all<ScheduleRow>(this.db.pool, this.sql.SCHEDULE_DUE_LIST, [params.now, bounded(params.limit)]);
    return rows.map(scheduleFromRow);
  }

  async scheduleFire(params: ScheduleFireParams): Promise<ScheduleFireResult> {
    return this.db.transaction(async (client) => {
      const advanced = await this.db.run(client, this.sql.SCHEDULE_ADVANCE, [
        params.name,
        params.expectedNextRunAt,
        params.nextRunAt,
        params.tick,
        params.now,
      ]);
      if (advanced === 0) return { fired: false, job: null };
      if (params.job === null) return { fired: true, job: null };
      // The same insert as enqueue, so its NOTIFY wakes workers of the queue when this commits.
      const [inserted] = await this.insertJobs(client, [params.job], params.now);
      return { fired: true, job: inserted?.job ?? null };
    });
  }

  // ---- notices and lifecycle -----------------------------------------------------------------

  noticeListen(listener: (notice: StoreNotice) => void): () => void {
    return this.notices.subscribe(listener);
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

  private async readAppliedMigrations(db: Queryable): Promise<AppliedMigration[]> {
    // No history table yet means an empty database, not an error.
    const exists = await this.db.one<{ present: boolean }>(db, this.sql.MIGRATIONS_TABLE_EXISTS, [this.sql.migrationsTableName]);
    if (exists?.present !== true) return [];
    return (await this.db.all<MigrationRow>(db, this.sql.MIGRATIONS_APPLIED, [])).map(appliedMigrationFromRow);
  }

  /**
   * Inserts in input order. A job whose dedup key is held gets the holder back; if the holder
   * finished between the insert and the lookup, the job is inserted again.
   */
  private async insertJobs(db: Queryable, jobs: JobInsert[], now: Date): Promise<JobInsertResult[]> {
    const results: Array<JobInsertResult | undefined> = new Array(jobs.length);
    let pending = jobs.map((job, index) => ({ job, index }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > DEDUP_RACE_RETRIES) {
        throw new ConveyorError(`Enqueue gave up after ${DEDUP_RACE_RETRIES} rounds: the dedup key holders kept finishing between insert and lookup.`);
      }
      const inserted = await this.db.all<JobRow>(db, this.sql.JOB_INSERT, [JSON.stringify(pending.map(({ job }, ord) => insertRecord(job, ord, now))), now]);
      // Rows come back in id order, which is input order; a job without a key always goes in.
      const withoutKey = inserted.filter((row) => row.dedup_key === null);
      const byKey = new Map(inserted.filter((row) => row.dedup_key !== null).map((row) => [dedupIdentity(row.task, row.dedup_key), row]));
      const skipped: typeof pending = [];
      for (const item of pending) {
        if (item.job.dedupKey === null) {
          results[item.index] = { job: jobFromRow(withoutKey.shift() as JobRow), duplicate: false };
          continue;
        }
        const identity = dedupIdentity(item.job.task, item.job.dedupKey);
        const row = byKey.get(identity);
        if (row === undefined) {
          skipped.push(item);
        } else {
          results[item.index] = { job: jobFromRow(row), duplicate: false };
          byKey.delete(identity); // a later job of the batch with the same key is a duplicate of this one
        }
      }
      if (skipped.length === 0) break;
      const holders = await this.db.all<JobRow>(db, this.sql.JOB_GET_UNFINISHED_BY_DEDUP_KEYS, [
        skipped.map(({ job }) => job.task),
        skipped.map(({ job }) => job.dedupKey),
      ]);
      const holderByKey = new Map(holders.map((row) => [dedupIdentity(row.task, row.dedup_key), row]));
      pending = [];
      for (const item of skipped) {
        const holder = holderByKey.get(dedupIdentity(item.job.task, item.job.dedupKey));
        if (holder === undefined) pending.push(item);
        else results[item.index] = { job: jobFromRow(holder), duplicate: true };
      }
    }
    return results as JobInsertResult[];
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

  /** Lock a job, change it, and return it as it is afterwards; null if there is no such job. */
  private async changeJob(params: { id: string }, change: (client: pg.PoolClient, row: JobRow) => Promise<void>): Promise<Job | null> {
    const id = parseJobId(params.id);
    if (id === null) return null;
    return this.db.transaction(async (client) => {
      const row = await this.db.one<JobRow>(client, this.sql.JOB_GET_FOR_UPDATE, [id]);
      if (row === undefined) return null;
      await change(client, row);
      const after = await this.db.one<JobRow>(client, this.sql.JOB_GET, [id]);
      if (after === undefined) throw new ConveyorError(`Job ${id} vanished inside the transaction that updated it.`);
      return jobFromRow(after);
    });
  }

  private async dedupConflictError(db: Queryable, job: JobRow): Promise<ConveyorStateError> {
    const [holder] = await this.db.all<JobRow>(db, this.sql.JOB_GET_UNFINISHED_BY_DEDUP_KEYS, [[job.task], [job.dedup_key]]);
    return new ConveyorStateError(
      `Cannot retry job ${job.id}: its dedup key "${job.dedup_key}" (task "${job.task}") is held by unfinished ` +
        `job ${holder?.id ?? '(unknown)'}${holder === undefined ? '' : ` (${holder.state})`}. ` +
        `Wait for that job to finish or cancel it, then retry job ${job.id}.`,
    );
  }
}

function dedupIdentity(task: string, dedupKey: string | null): string {
  return JSON.stringify([task, dedupKey]);
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

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '23505';
}
