/**
 * The PostgreSQL floor: the statements `PostgresStore` issues for the same work (its own text, from
 * src/postgres/queries.ts), with the same parameters and transaction shapes, sent straight through a
 * `pg` pool set up like the store's. No validation, no row mapping, no engine around them.
 *
 * Shapes, as the store's: an enqueue is one autocommit `JOB_INSERT` of a jsonb batch (its NOTIFY rides
 * along); a claim is one autocommit `JOB_CLAIM` (LATERAL walk of the claim index, FOR UPDATE SKIP
 * LOCKED); outcomes are one `JOB_SET_STATE_IF_RUNNING` per batch from `jsonb_to_recordset`, written
 * in the background while the next claim runs, as the worker's completion batcher does. Insert,
 * claim and outcome statements are named (prepared once per connection), as the store names them.
 */
import pg from 'pg';
import { statementName, type PostgresQueries } from '../../src/postgres/queries.js';
import { QUEUE } from '../shared.js';
import { insertRecords, succeededRecord, type ClaimedJob } from './jobs.js';

const WORKER_ID = 'raw-floor';
const LEASE_MS = 30_000;
/** The store's default pool size. */
const POOL_SIZE = 10;
/** The completion batcher's largest batch. */
const MAX_OUTCOME_BATCH = 500;

/** A pool with the store's settings. */
export function rawPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: POOL_SIZE, keepAlive: true, application_name: 'conveyor-bench-raw' });
  pool.on('error', () => undefined); // an idle connection dropped: the pool opens another
  return pool;
}

/** A statement named as the store names it (`PREPARED_STATEMENTS`): parsed once per connection, its plan cached. */
function named(text: string, values: unknown[]): pg.QueryConfig {
  return { name: statementName(text), text, values };
}

/** The three statements of the floor, for jobs of one task. */
export class RawStatements {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sql: PostgresQueries,
    private readonly task: string,
  ) {}

  /** `jobs.insertMany` without dedup keys: one statement, no explicit transaction. */
  async insert(inputs: unknown[]): Promise<void> {
    const now = new Date();
    await this.pool.query(named(this.sql.JOB_INSERT, [JSON.stringify(insertRecords(this.task, inputs, now)), now]));
  }

  /** `jobs.claim`: up to `limit` queued jobs, leased to the floor's worker id. */
  async claim(limit: number): Promise<ClaimedJob[]> {
    const now = new Date();
    const { rows } = await this.pool.query<ClaimedJob>(named(this.sql.JOB_CLAIM, [[QUEUE], [this.task], now, limit, WORKER_ID, new Date(now.getTime() + LEASE_MS)]));
    return rows;
  }

  /** `jobs.setStateIfRunningMany` with successes: one statement for the batch. */
  async complete(outcomes: Array<{ job: ClaimedJob; result: unknown }>): Promise<void> {
    const at = new Date();
    const records = outcomes.map(({ job, result }) => succeededRecord(job, WORKER_ID, at, result));
    const ids = records.map((record) => record.id);
    const { rowCount } = await this.pool.query(named(this.sql.JOB_SET_STATE_IF_RUNNING, [JSON.stringify(records), ids]));
    if (rowCount !== outcomes.length) throw new Error(`the floor recorded ${rowCount} of ${outcomes.length} outcomes`);
  }
}

/**
 * Writes outcomes in the background, one statement at a time, each holding whatever finished while
 * the previous one was in flight: the completion batcher's shape, without its retries.
 */
export class OutcomeWriter {
  private pending: Array<{ job: ClaimedJob; result: unknown }> = [];
  private writing: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(private readonly statements: RawStatements) {}

  add(outcomes: Array<{ job: ClaimedJob; result: unknown }>): void {
    this.throwIfFailed();
    this.pending.push(...outcomes);
    this.writing ??= this.writeAll();
  }

  /** Resolves once every outcome added so far is written; throws if a write failed. */
  async flushed(): Promise<void> {
    while (this.writing !== null) await this.writing;
    this.throwIfFailed();
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.statements.complete(this.pending.splice(0, MAX_OUTCOME_BATCH));
    } catch (error) {
      this.failure = error;
    } finally {
      this.writing = null;
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
