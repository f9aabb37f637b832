/**
 * What an operator does to one job on PostgreSQL, cancel, retry and run now: each a transaction that locks the
 * job's row, changes it, and reads it back. Settling a flow parent the change affects is not done
 * here: it must follow the commit (flows.ts), so the store runs it after these return.
 */
import type pg from 'pg';
import { ConveyorError, ConveyorStateError } from '../errors.js';
import type { Job, JobState } from '../job.js';
import { parseJobId } from '../store/encoding.js';
import type { PostgresAccess, Queryable } from './access.js';
import type { PostgresQueries } from './queries.js';
import { jobFromRow, type JobRow } from './rows.js';

export class PostgresJobActions {
  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
  ) {}

  async cancel(params: { id: string; now: Date }): Promise<Job | null> {
    return this.changeJob(params, async (client, row) => {
      // A running job is only asked to stop: its worker hears the notice, or sees the request at its next lease renewal.
      const statement = row.state === 'running' ? this.sql.JOB_CANCEL_REQUEST : this.sql.JOB_CANCEL_NOT_RUNNING;
      const { rowCount } = await client.query(statement, [row.id, params.now]);
      if (row.state === 'running' && rowCount === 1) await client.query(this.sql.NOTIFY_CANCEL, [row.id]);
    });
  }

  async retry(params: { id: string; now: Date }): Promise<Job | null> {
    return this.changeJob(params, async (client, row) => {
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
  }

  async runNow(params: { id: string; now: Date }): Promise<Job | null> {
    return this.changeJob(params, async (client, row) => {
      const { rowCount } = await client.query(this.sql.JOB_RUN_NOW, [row.id, params.now]);
      if (rowCount === 1) await client.query(this.sql.NOTIFY_QUEUES, [[row.queue]]);
    });
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

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '23505';
}
