/**
 * Queue controls on the SQLite store (`store.queues`): pausing and resuming a queue, setting its limits, and
 * listing them. Each is one statement that upserts the queue's row and returns it, so a queue
 * needs no row until an operator first changes it. Claims read these rows (see `claim.ts`).
 */
import { ConveyorError } from '../errors.js';
import { limitsToColumns } from '../store/queue-limits.js';
import type { QueueLimits, QueueState, QueueStore } from '../store/store.js';
import * as sql from './queries.js';
import { queueFromRow, type QueueRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

export class SqliteQueues implements QueueStore {
  constructor(private readonly db: PreparedStatements) {}

  async pause(params: { name: string; now: Date }): Promise<QueueState> {
    return this.change(sql.QUEUE_PAUSE, params);
  }

  /** Workers of other processes hear the commit (`store-changed`) and claim from the queue again. */
  async resume(params: { name: string; now: Date }): Promise<QueueState> {
    return this.change(sql.QUEUE_RESUME, params);
  }

  async list(): Promise<QueueState[]> {
    return this.db.all<QueueRow>(sql.QUEUE_LIST).map(queueFromRow);
  }

  async limitsSet(params: { name: string; limits: QueueLimits; now: Date }): Promise<QueueState> {
    const row = this.db.get<QueueRow>(sql.QUEUE_LIMITS_SET, { name: params.name, now: params.now.getTime(), ...limitsToColumns(params.limits) });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for queue "${params.name}" it limited.`);
    return queueFromRow(row);
  }

  private change(statement: string, params: { name: string; now: Date }): QueueState {
    const row = this.db.get<QueueRow>(statement, { name: params.name, now: params.now.getTime() });
    if (row === undefined) throw new ConveyorError(`SQLite returned no row for queue "${params.name}" it changed.`);
    return queueFromRow(row);
  }
}
