/**
 * Claims from queues with limits (concurrency, per key, rate). They take turns per queue: each claim
 * is a transaction that locks the queue's row, then counts with fresh statements (a new READ
 * COMMITTED snapshot each) what is running and what started in the rate interval, takes what the
 * limits leave free, and logs the starts. Queues without limits never come here.
 */
import { claimAllowance, startsPruneBefore } from '../store/queue-limits.js';
import type { JobClaimParams } from '../store/store.js';
import type { PostgresAccess } from './access.js';
import type { PostgresQueries } from './queries.js';
import { queueFromRow, type JobRow, type QueueRow } from './rows.js';

/** How long the list of limited queues is trusted. */
const LIMITED_QUEUES_TTL_MS = 1_000;

export class LimitedQueueClaims {
  /** Queues with limits, as last read. */
  private read: { names: Set<string>; readAt: number } | null = null;

  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
  ) {}

  /** Read the limited queues afresh at the next claim (this process just changed a limit). */
  forget(): void {
    this.read = null;
  }

  /** Claim from one limited queue: lock its row, count under the lock, take what its limits leave free, record the starts. */
  async claim(queue: string, params: JobClaimParams): Promise<JobRow[]> {
    return this.db.transaction(async (client) => {
      const row = await this.db.one<QueueRow>(client, this.sql.QUEUE_LOCK, [queue]);
      if (row === undefined || row.paused_at !== null) return [];
      const { limits } = queueFromRow(row);
      const since = new Date(params.now.getTime() - (limits.rate?.intervalMs ?? 0));
      if (limits.rate !== null) {
        await this.db.run(client, this.sql.QUEUE_STARTS_PRUNE, [queue, new Date(startsPruneBefore(params.now.getTime(), limits.rate.intervalMs))]);
      }
      const load = await this.db.one<{ running: number; recent_starts: number }>(client, this.sql.QUEUE_LOAD, [queue, since]);
      const allowed = claimAllowance(limits, { running: load?.running ?? 0, recentStarts: limits.rate === null ? 0 : (load?.recent_starts ?? 0) }, params.limit);
      if (allowed === 0) return [];
      const claim = [queue, params.tasks, params.now, allowed, params.workerId, params.leaseExpiresAt];
      const rows =
        limits.perKey === null
          ? await this.db.all<JobRow>(client, this.sql.JOB_CLAIM_LIMITED, claim)
          : await this.db.all<JobRow>(client, this.sql.JOB_CLAIM_LIMITED_PER_KEY, [...claim, limits.perKey]);
      if (limits.rate !== null && rows.length > 0) await this.db.run(client, this.sql.QUEUE_STARTS_RECORD, [queue, params.now, rows.length]);
      return rows;
    });
  }

  /**
   * Names of the queues with limits, read at most once a second: a limit set by another process is
   * obeyed at once (`JOB_CLAIM` skips the queue), but its jobs are claimed only from the next read.
   */
  async queues(): Promise<Set<string>> {
    if (this.read === null || Date.now() - this.read.readAt >= LIMITED_QUEUES_TTL_MS) {
      const readAt = Date.now();
      const rows = await this.db.all<{ name: string }>(this.db.pool, this.sql.QUEUES_LIMITED, []);
      this.read = { names: new Set(rows.map((row) => row.name)), readAt };
    }
    return this.read.names;
  }
}
