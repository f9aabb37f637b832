/**
 * Claiming jobs on the SQLite store: which jobs a claim takes, given each queue's pause and limits
 * (concurrency, per-key concurrency, rate), and the lease it takes them under.
 *
 * `claim` runs inside a transaction the store opened (BEGIN IMMEDIATE). It reads under the write
 * lock every claim and every pause also take: a pause or a limit that returned before this claim is
 * seen, and no other claim changes the counts before this one writes.
 */
import type { Job } from '../job.js';
import { sortByClaimOrder, type ClaimOrderKey } from '../store/claim-order.js';
import { claimAllowance, hasQueueLimits, startsPruneBefore } from '../store/queue-limits.js';
import type { JobClaimParams, QueueState } from '../store/store.js';
import * as sql from './queries.js';
import { jobFromRow, queueFromRow, type ClaimCandidateRow, type JobRow, type QueueRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

export class SqliteClaims {
  constructor(private readonly db: PreparedStatements) {}

  /** @param params with no repeated queue or task, and a whole, positive limit (the store sees to both). */
  claim(params: JobClaimParams): Job[] {
    const now = params.now.getTime();
    const { queues, limit } = params;
    const tasks = JSON.stringify(params.tasks);
    const rows = this.db.all<QueueRow>(sql.QUEUES_AMONG, { queues: JSON.stringify(queues) });
    const controls = new Map(rows.map((row) => [row.name, queueFromRow(row)]));
    // The best `limit` jobs of each running queue, merged: the best `limit` overall are among them.
    const candidates = sortByClaimOrder(
      queues.flatMap((queue) => this.candidates(queue, controls.get(queue), { tasks, now, limit })),
      claimOrderKey,
    ).slice(0, limit);
    if (candidates.length === 0) return [];
    const claimed = this.db.all<JobRow>(sql.JOB_CLAIM, {
      ids: JSON.stringify(candidates.map((candidate) => candidate.id)),
      workerId: params.workerId,
      leaseExpiresAt: params.leaseExpiresAt.getTime(),
      now,
    });
    // Every start of a rate-limited queue is logged, one statement per queue: the next claim counts those inside its interval.
    for (const [queue, ids] of idsByQueue(claimed)) {
      const rate = controls.get(queue)?.limits.rate ?? null;
      if (rate !== null) this.db.run(sql.QUEUE_STARTS_RECORD, { queue, now, ids: JSON.stringify(ids) });
    }
    return sortByClaimOrder(claimed, claimOrderKey).map(jobFromRow);
  }

  /** The next jobs of one queue a claim may take: none when paused, only what its limits leave free when limited. */
  private candidates(queue: string, control: QueueState | undefined, claim: { tasks: string; now: number; limit: number }): ClaimCandidateRow[] {
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
}

function claimOrderKey(row: { priority: number; run_at: number; id: number }): ClaimOrderKey {
  return { priority: row.priority, runAt: row.run_at, id: row.id };
}

/** The ids of these jobs, by queue. */
function idsByQueue(rows: readonly JobRow[]): Map<string, number[]> {
  const byQueue = new Map<string, number[]>();
  for (const row of rows) {
    const ids = byQueue.get(row.queue);
    if (ids === undefined) byQueue.set(row.queue, [row.id]);
    else ids.push(row.id);
  }
  return byQueue;
}
