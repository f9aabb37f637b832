/**
 * Queues on PostgreSQL: pausing, resuming, listing and limiting them, one statement each. Setting
 * limits also makes this store's next claim read the limited queues afresh (limited-claims.ts).
 */
import { ConveyorError } from '../errors.js';
import { limitsToColumns } from '../store/queue-limits.js';
import type { QueueLimits, QueueState, QueueStore } from '../store/store.js';
import type { PostgresAccess } from './access.js';
import type { LimitedQueueClaims } from './limited-claims.js';
import type { PostgresQueries } from './queries.js';
import { queueFromRow, type QueueRow } from './rows.js';

export class PostgresQueues implements QueueStore {
  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
    private readonly limitedClaims: LimitedQueueClaims,
  ) {}

  async pause(params: { name: string; now: Date }): Promise<QueueState> {
    return this.change(this.sql.QUEUE_PAUSE, params);
  }

  /** Also notifies the queue's workers in every process, so idle ones claim at once. */
  async resume(params: { name: string; now: Date }): Promise<QueueState> {
    return this.change(this.sql.QUEUE_RESUME, params);
  }

  async list(): Promise<QueueState[]> {
    return (await this.db.all<QueueRow>(this.db.pool, this.sql.QUEUE_LIST, [])).map(queueFromRow);
  }

  async limitsSet(params: { name: string; limits: QueueLimits; now: Date }): Promise<QueueState> {
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

  private async change(statement: string, params: { name: string; now: Date }): Promise<QueueState> {
    const row = await this.db.one<QueueRow>(this.db.pool, statement, [params.name, params.now]);
    if (row === undefined) throw new ConveyorError(`PostgreSQL returned no row for queue "${params.name}" it changed.`);
    return queueFromRow(row);
  }
}
