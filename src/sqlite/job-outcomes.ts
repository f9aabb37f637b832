/**
 * How running jobs end on the SQLite store: the fenced state updates a worker sends (succeeded,
 * failed, dead, cancelled, released, snoozed), the recovery of jobs whose lease expired (the same
 * updates, `requeued` included, as `leaseRecoveryUpdate` decides), and, after either finishes a job,
 * the settling of its flow parent.
 *
 * Every method runs inside a transaction the store opened (BEGIN IMMEDIATE), so a job that finishes
 * and the parent settled because of it change together. Each update is fenced by (id, attempt,
 * workerId): a worker that lost its lease changes nothing.
 */
import { parseJobId, toJsonText } from '../store/encoding.js';
import { leaseRecoveryUpdate } from '../store/lease-recovery.js';
import type { JobStateUpdate } from '../store/store.js';
import { errorParams } from './error-params.js';
import type { SqliteFlows } from './flows.js';
import * as sql from './queries.js';
import { expiredLeaseFromRow, type ExpiredLeaseRow, type FinishedJobRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

export class SqliteJobOutcomes {
  constructor(
    private readonly db: PreparedStatements,
    private readonly flows: SqliteFlows,
  ) {}

  /** Applies one update if its job is still running under that attempt and worker; true if it did. */
  apply(update: JobStateUpdate): boolean {
    const id = parseJobId(update.id);
    if (id === null) return false;
    const fence = { id, attempt: update.attempt, workerId: update.workerId, at: update.at.getTime() };
    switch (update.kind) {
      case 'succeeded': {
        const finished = this.db.get<FinishedJobRow>(sql.JOB_SET_SUCCEEDED, { ...fence, result: toJsonText(update.result) });
        return this.settleParentOf(finished, fence.at);
      }
      case 'failed': {
        const params = { ...fence, retryAt: update.retryAt.getTime(), ...errorParams(update.error) };
        return this.db.run(sql.JOB_SET_FAILED, params) === 1;
      }
      case 'dead': {
        const finished = this.db.get<FinishedJobRow>(sql.JOB_SET_DEAD, { ...fence, ...errorParams(update.error) });
        return this.settleParentOf(finished, fence.at);
      }
      case 'cancelled': {
        const error = update.error === null ? { error: null, errorFingerprint: null } : errorParams(update.error);
        const finished = this.db.get<FinishedJobRow>(sql.JOB_SET_CANCELLED, { ...fence, ...error });
        return this.settleParentOf(finished, fence.at);
      }
      case 'released':
        return this.db.run(sql.JOB_SET_RELEASED, fence) === 1;
      case 'snoozed':
        return this.db.run(sql.JOB_SET_SNOOZED, { ...fence, runAt: update.runAt.getTime() }) === 1;
      case 'requeued':
        return this.db.run(sql.JOB_SET_REQUEUED, { ...fence, ...errorParams(update.error) }) === 1;
    }
  }

  /**
   * Settles up to `limit` running jobs whose lease expired, each as `leaseRecoveryUpdate` decides;
   * how many it settled.
   * @param limit a whole, non-negative row count (the store bounds it).
   */
  recoverExpiredLeases(now: number, limit: number): number {
    const expired = this.db.all<ExpiredLeaseRow>(sql.JOB_LEASES_EXPIRED, { now, limit });
    return expired.filter((row) => this.apply(leaseRecoveryUpdate(expiredLeaseFromRow(row), new Date(now)))).length;
  }

  /**
   * After a statement that finishes a job (undefined when it changed nothing): settles the job's
   * parent, a flow job that may have been waiting for this one last. True when the job finished.
   */
  settleParentOf(finished: FinishedJobRow | undefined, now: number): boolean {
    if (finished === undefined) return false;
    if (finished.parent_id !== null) this.flows.settle([finished.parent_id], now);
    return true;
  }
}
