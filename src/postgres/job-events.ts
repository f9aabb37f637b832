/**
 * The job event log on PostgreSQL (UNLOGGED table `job_events`, written by the statement triggers of
 * migration 7): reading it in seq order, its bounds, and pruning it. One statement each, on the pool.
 * A seq is drawn when a statement runs, so a transaction that commits late can add an event below
 * one already read; `JobEventCursor` (src/server) holds back at such a gap for a moment.
 */
import { eventSeqParam, jobEventBoundsFromRow, jobEventFromRow, type JobEventBoundsRow, type JobEventRow } from '../store/job-events.js';
import { boundedLimit } from '../store/row-limits.js';
import type { JobEvent, JobEventBounds, JobEventStore } from '../store/store.js';
import type { PostgresAccess } from './access.js';
import { quoteIdentifier } from './queries.js';

export class PostgresJobEvents implements JobEventStore {
  private readonly sql: { list: string; bounds: string; prune: string };

  constructor(
    private readonly db: PostgresAccess,
    schema: string,
  ) {
    const events = `${quoteIdentifier(schema)}.job_events`;
    this.sql = {
      list: `SELECT seq, job_id, task, queue, state, attempt, progress_fraction, progress_message, at, artifact, step
        FROM ${events} WHERE seq > $1 ORDER BY seq LIMIT $2`,
      bounds: `SELECT (SELECT min(seq) FROM ${events}) AS oldest, (SELECT max(seq) FROM ${events}) AS latest`,
      // Looks at the `limit` oldest events only, so a call is bounded when nothing is old enough.
      prune: `DELETE FROM ${events} WHERE seq IN (
        SELECT seq FROM (SELECT seq, at FROM ${events} ORDER BY seq LIMIT $2) AS oldest WHERE at < $1)`,
    };
  }

  async list(params: { afterSeq: string | null; limit: number }): Promise<JobEvent[]> {
    const rows = await this.db.all<JobEventRow>(this.db.pool, this.sql.list, [eventSeqParam(params.afterSeq), boundedLimit(params.limit)]);
    return rows.map(jobEventFromRow);
  }

  async bounds(): Promise<JobEventBounds> {
    return jobEventBoundsFromRow(await this.db.one<JobEventBoundsRow>(this.db.pool, this.sql.bounds, []));
  }

  async prune(params: { before: Date; limit: number }): Promise<number> {
    return this.db.run(this.db.pool, this.sql.prune, [params.before, boundedLimit(params.limit)]);
  }
}
