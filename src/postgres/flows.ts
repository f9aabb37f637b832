/**
 * Flows on PostgreSQL (`store.flows`): inserting a tree of jobs at once, reading and cancelling it, and *settling*
 * waiting jobs (a job with children is `waiting` until every child is finished, then becomes
 * queued, or dead when a child failed it; see `FlowStore`).
 *
 * Concurrency. Under READ COMMITTED two children of one parent may finish in two transactions at
 * the same time. A settle run inside each of them would be write skew: each statement's snapshot
 * shows the other child still running, both commit, and the parent waits forever. So settling is a
 * statement of its own that starts only after the change it follows has committed:
 *
 * - The rule. Whoever changes an input of a parent's settle (a child becoming finished, or the
 *   parent becoming `waiting` again by `jobs.retry`) commits that change, then settles
 *   the parent (`settle`). Each call here runs on the pool in autocommit, so its snapshot is taken after that
 *   commit.
 * - Never left waiting. Of all the changes to one parent's inputs, take the one that committed
 *   last. The settle that follows it sees every earlier commit, so it finds every child finished
 *   and the parent waiting, and settles it (or finds it already settled by someone else).
 * - Exactly once. Settling reads the parent (`JOB_SETTLE_PLAN`), decides as every store does
 *   (`settleDecision`), and applies the decision (`JOB_SETTLE_APPLY`) as a compare-and-set on
 *   `state = 'waiting'`, "no unfinished child" and the failed child the decision named. Two settles that both see the parent waiting both try to update its row: the second
 *   waits on the first's row lock, then PostgreSQL re-checks its WHERE on the row the first
 *   committed (EvalPlanQual), finds it no longer waiting, and changes nothing.
 * - A job that settles dead is itself a finished child: its parent is settled next, by the same
 *   rule, in a further statement after the first committed.
 * - Settles of several parents lock them in ascending id order, as do outcome batches and flow
 *   cancels their jobs, so two of them never wait on each other in a cycle.
 *
 * The cost is a window between the commit and the settle: a process that dies there (or a settle
 * that fails) leaves a parent waiting with finished children. `flows.settleWaiting`, run by every
 * worker's maintenance, sweeps those up; outcomes and lease recoveries that were recorded are
 * therefore not reported as failed when only their settle failed (postgres-store.ts). The payoff is
 * the outcome hot path: jobs without a parent add one RETURNING column and nothing else, and no
 * outcome batch is wrapped in a transaction.
 */
import { ConveyorError } from '../errors.js';
import { isFinalState, type Job, type JobState } from '../job.js';
import { parseJobId } from '../store/encoding.js';
import { planFlowJobs } from '../store/flow-jobs.js';
import { settleDecision, type SettleDecision } from '../store/flow-settling.js';
import { boundedLimit } from '../store/row-limits.js';
import type { CallerTransaction, FlowJobInsert, FlowStore } from '../store/store.js';
import type { PostgresAccess, Queryable } from './access.js';
import { flowQueries, type FlowQueries } from './flow-queries.js';
import { errorFields, insertRecord } from './records.js';
import { failedChildFromRow, jobFromRow, settleableFromRow, type JobRow, type SettleableRow } from './rows.js';

/** A job a statement changed, with the parent that may need settling because of it. */
export interface ChangedJobRow {
  id: string;
  state: JobState;
  parent_id: string | null;
}

/** The parents to settle after these changes committed: those of the jobs that are now finished. */
export function parentsOfFinished(rows: readonly ChangedJobRow[]): string[] {
  const parents = rows.filter((row) => row.parent_id !== null && isFinalState(row.state)).map((row) => row.parent_id as string);
  return [...new Set(parents)];
}

export class PostgresFlows implements FlowStore {
  private readonly sql: FlowQueries;

  constructor(
    private readonly db: PostgresAccess,
    schema: string,
  ) {
    this.sql = flowQueries(schema);
  }

  /**
   * Two statements: reserve the ids in input order, then insert every job in one statement (atomic
   * by itself, so no transaction of our own). With `tx`, both run in the caller's transaction.
   */
  async insert(params: { jobs: FlowJobInsert[]; now: Date; tx?: CallerTransaction }): Promise<Job[]> {
    const { jobs, now } = params;
    const plans = planFlowJobs(jobs, now);
    if (jobs.length === 0) return [];
    const db = params.tx ?? this.db.pool;
    const ids = (await this.db.all<{ id: string }>(db, this.sql.FLOW_IDS_RESERVE, [jobs.length])).map((row) => row.id);
    const records = plans.map(({ job, state, onChildFailure, hasChildren }, index) => ({
      ...insertRecord(job, index, now),
      state,
      id: ids[index],
      flow_id: ids[0],
      parent_id: job.parentIndex === null ? null : ids[job.parentIndex],
      on_child_failure: onChildFailure,
      has_children: hasChildren,
    }));
    // The ids ascend in input order, and the rows come back in id order.
    const rows = await this.db.all<JobRow>(db, this.sql.FLOW_INSERT, [JSON.stringify(records), now]);
    if (rows.length !== jobs.length) throw new ConveyorError(`PostgreSQL inserted ${rows.length} jobs of a flow of ${jobs.length}.`);
    return rows.map(jobFromRow);
  }

  async get(params: { id: string }): Promise<Job[]> {
    return this.listBy(this.sql.FLOW_GET, params.id);
  }

  async jobList(params: { id: string; limit: number }): Promise<Job[]> {
    const flowId = parseJobId(params.id);
    const limit = boundedLimit(params.limit);
    if (flowId === null || limit === 0) return [];
    return (await this.db.all<JobRow>(this.db.pool, this.sql.FLOW_JOB_LIST, [flowId, limit])).map(jobFromRow);
  }

  async childList(params: { id: string }): Promise<Job[]> {
    return this.listBy(this.sql.JOB_CHILD_LIST, params.id);
  }

  /**
   * One statement cancels the flow; then the parents of the jobs it cancelled are settled (see the
   * module comment), and the flow is read. Workers are told of the cancel requests last, so the jobs
   * returned show what the cancel did, not how fast a worker aborted; a notice lost to a failure here
   * is made up for by the workers' next lease renewal, which reports the request too.
   */
  async cancel(params: { id: string; now: Date }): Promise<Job[]> {
    const { id, now } = params;
    const flowId = parseJobId(id);
    if (flowId === null) return [];
    const changed = await this.db.all<ChangedJobRow>(this.db.pool, this.sql.FLOW_CANCEL, [flowId, now]);
    await this.settle(parentsOfFinished(changed), now);
    const jobs = await this.get({ id });
    const requested = changed.filter((row) => row.state === 'running').map((row) => row.id);
    if (requested.length > 0) await this.db.query(this.db.pool, this.sql.NOTIFY_CANCELS, [requested]);
    return jobs;
  }

  /**
   * Settle these jobs if they are waiting with every child finished, then the parents of those that
   * died, and so on up the flow; returns how many changed. Call it only after the change that made
   * them settleable committed (see the module comment).
   */
  async settle(ids: readonly string[], now: Date): Promise<number> {
    let settled = 0;
    let pending = [...new Set(ids)];
    while (pending.length > 0) {
      const plan = await this.db.all<SettleableRow>(this.db.pool, this.sql.JOB_SETTLE_PLAN, [pending.sort(byNumericId)]);
      const rows = await this.applyDecisions(this.db.pool, plan, now);
      settled += rows.length;
      pending = parentsOfFinished(rows);
    }
    return settled;
  }

  /** Sweep: settle at most `limit` waiting jobs whose children are all finished, and then their parents. */
  async settleWaiting(params: { now: Date; limit: number }): Promise<number> {
    const { now } = params;
    const limit = boundedLimit(params.limit);
    if (limit === 0) return 0;
    // One transaction: the jobs planned stay locked until settled, so concurrent sweeps share them out.
    const rows = await this.db.transaction(async (client) => {
      const plan = await this.db.all<SettleableRow>(client, this.sql.JOB_SETTLE_WAITING_PLAN, [limit]);
      return this.applyDecisions(client, plan, now);
    });
    return rows.length + (await this.settle(parentsOfFinished(rows), now));
  }

  /**
   * Decide each planned job's settle (`settleDecision`, the rule every store shares) and apply the
   * decisions in one statement, ascending ids (the plan's order), so two settles of overlapping
   * parents lock them in the same order and neither deadlocks the other.
   */
  private async applyDecisions(db: Queryable, plan: readonly SettleableRow[], now: Date): Promise<ChangedJobRow[]> {
    if (plan.length === 0) return [];
    const records = plan.map((row) => settleRecord(settleDecision(settleableFromRow(row), failedChildFromRow(row), now)));
    return this.db.all<ChangedJobRow>(db, this.sql.JOB_SETTLE_APPLY, [JSON.stringify(records), now]);
  }

  private async listBy(statement: string, id: string): Promise<Job[]> {
    const key = parseJobId(id);
    if (key === null) return [];
    return (await this.db.all<JobRow>(this.db.pool, statement, [key])).map(jobFromRow);
  }
}

/** A decision as `JOB_SETTLE_APPLY` reads it. */
function settleRecord(decision: SettleDecision): Record<string, unknown> {
  if (decision.kind === 'release') return { id: decision.id, outcome: 'release', failed_child_id: null, error: null, error_fingerprint: null };
  return { id: decision.id, outcome: 'dead', failed_child_id: decision.failedChildId, ...errorFields(decision.error) };
}

/** Orders decimal job ids by value. */
function byNumericId(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
