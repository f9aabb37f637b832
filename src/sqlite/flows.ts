/**
 * Flows on the SQLite store (`store.flows`): inserting a flow, reading and cancelling it, and *settling* a parent,
 * the step that ends a flow job's wait once its children are finished (the rules are in the
 * "Flows" section of `Store`).
 *
 * Every write is one BEGIN IMMEDIATE transaction, and `settle` runs inside the transaction of the
 * write that finished a child, so what a settle reads cannot change before it writes: SQLite has one
 * writer at a time. The updates are compare-and-set
 * on 'waiting' all the same, so settling a job twice changes it once.
 */
import { ConveyorError } from '../errors.js';
import type { Job } from '../job.js';
import { parseJobId, toJsonText } from '../store/encoding.js';
import { planFlowJobs, type FlowJobPlan } from '../store/flow-jobs.js';
import { settleDecision } from '../store/flow-settling.js';
import { boundedLimit } from '../store/row-limits.js';
import type { FlowJobInsert, FlowStore } from '../store/store.js';
import { errorParams } from './error-params.js';
import * as sql from './flow-queries.js';
import { failedChildFromRow, jobFromRow, settleableFromRow, type FailedChildRow, type FinishedJobRow, type JobRow, type SettleableRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

export class SqliteFlows implements FlowStore {
  constructor(private readonly db: PreparedStatements) {}

  async insert(params: { jobs: FlowJobInsert[]; now: Date }): Promise<Job[]> {
    return this.db.immediate(() => this.insertInOrder(params.jobs, params.now.getTime()));
  }

  async get(params: { id: string }): Promise<Job[]> {
    const id = parseJobId(params.id);
    return id === null ? [] : this.jobsOf(id);
  }

  async jobList(params: { id: string; limit: number }): Promise<Job[]> {
    const flowId = parseJobId(params.id);
    const limit = boundedLimit(params.limit);
    return flowId === null || limit === 0 ? [] : this.db.all<JobRow>(sql.FLOW_JOB_LIST, { flowId, limit }).map(jobFromRow);
  }

  async cancel(params: { id: string; now: Date }): Promise<Job[]> {
    const id = parseJobId(params.id);
    return id === null ? [] : this.db.immediate(() => this.cancelInTransaction(id, params.now.getTime()));
  }

  async childList(params: { id: string }): Promise<Job[]> {
    const id = parseJobId(params.id);
    return id === null ? [] : this.db.all<JobRow>(sql.JOB_CHILD_LIST, { id }).map(jobFromRow);
  }

  /** The sweep for parents a crash left waiting with finished children. */
  async settleWaiting(params: { now: Date; limit: number }): Promise<number> {
    return this.db.immediate(() => {
      const ids = this.db.all<{ id: number }>(sql.JOB_SETTLEABLE_LIST, { limit: boundedLimit(params.limit) }).map((row) => row.id);
      return this.settle(ids, params.now.getTime());
    });
  }

  /** Inserts the jobs in order, so a parent (lower index) has its id before its children are inserted. */
  private insertInOrder(jobs: readonly FlowJobInsert[], now: number): Job[] {
    const rows: JobRow[] = [];
    for (const [index, plan] of planFlowJobs(jobs, new Date(now)).entries()) {
      const root = rows[0];
      const { parentIndex } = plan.job;
      const parentId = parentIndex === null ? null : rowAt(rows, parentIndex).id;
      const inserted = this.insertOne(plan, { flowId: root?.id ?? null, parentId }, now);
      // The root's id is its flow's: known only now that it is inserted.
      const row = root === undefined ? this.db.get<JobRow>(sql.FLOW_ROOT_NAME, { id: inserted.id }) : inserted;
      if (row === undefined) throw new ConveyorError(`Flow job ${index} (task "${plan.job.task}") vanished inside the transaction that inserted it.`);
      rows.push(row);
    }
    return rows.map(jobFromRow);
  }

  private insertOne(plan: FlowJobPlan, place: { flowId: number | null; parentId: number | null }, now: number): JobRow {
    const { job } = plan;
    const row = this.db.get<JobRow>(sql.FLOW_JOB_INSERT, {
      task: job.task,
      queue: job.queue,
      input: toJsonText(job.input),
      state: plan.state,
      priority: job.priority,
      runAt: job.runAt.getTime(),
      maxAttempts: job.maxAttempts,
      concurrencyKey: job.concurrencyKey,
      traceContext: job.traceContext,
      flowId: place.flowId,
      parentId: place.parentId,
      onChildFailure: plan.onChildFailure,
      hasChildren: plan.hasChildren ? 1 : 0,
      now,
    });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for the flow job of task "${job.task}" it inserted.`);
    return row;
  }

  private jobsOf(flowId: number): Job[] {
    return this.db.all<JobRow>(sql.FLOW_GET, { flowId }).map(jobFromRow);
  }

  private cancelInTransaction(flowId: number, now: number): Job[] {
    const cancelled = this.db.all<FinishedJobRow & { id: number }>(sql.FLOW_CANCEL_NOT_RUNNING, { flowId, now });
    this.db.run(sql.FLOW_CANCEL_REQUEST, { flowId, now });
    // A parent cancelled here is finished itself; only one outside the cancelled set (say, a parent
    // that ended while a retried child ran again) could still be waiting.
    const cancelledIds = new Set(cancelled.map((row) => row.id));
    const parents = cancelled.flatMap((row) => (row.parent_id === null || cancelledIds.has(row.parent_id) ? [] : [row.parent_id]));
    this.settle(parents, now);
    return this.jobsOf(flowId);
  }

  /**
   * Settles each of these jobs that is waiting with every child finished, and then the parent of
   * each that ended dead, up the flow. Returns how many jobs changed. Runs inside the caller's
   * transaction.
   */
  settle(jobIds: readonly number[], now: number): number {
    const pending = [...new Set(jobIds)];
    let changed = 0;
    for (let id = pending.shift(); id !== undefined; id = pending.shift()) {
      const outcome = this.settleOne(id, now);
      if (outcome === 'unchanged') continue;
      changed += 1;
      if (outcome.deadWithParent !== null) pending.push(outcome.deadWithParent);
    }
    return changed;
  }

  private settleOne(id: number, now: number): 'unchanged' | { deadWithParent: number | null } {
    const job = this.db.get<SettleableRow>(sql.JOB_SETTLEABLE_GET, { id });
    if (job === undefined) return 'unchanged';
    const failedChild = this.db.get<FailedChildRow>(sql.JOB_FAILED_CHILD_FIRST, { id });
    const decision = settleDecision(settleableFromRow(job), failedChild === undefined ? null : failedChildFromRow(failedChild), new Date(now));
    if (decision.kind === 'release') {
      return this.db.run(sql.JOB_SETTLE_RELEASE, { id, now }) === 1 ? { deadWithParent: null } : 'unchanged';
    }
    const dead = this.db.get<FinishedJobRow>(sql.JOB_SETTLE_DEAD, { id, now, ...errorParams(decision.error) });
    return dead === undefined ? 'unchanged' : { deadWithParent: dead.parent_id };
  }
}

/** The row of an earlier job of the flow (`planFlowJobs` made sure there is one). */
function rowAt(rows: readonly JobRow[], index: number): JobRow {
  const row = rows[index];
  if (row === undefined) throw new ConveyorError(`Flow job ${index} is named as a parent before it was inserted.`);
  return row;
}
