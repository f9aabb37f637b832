/**
 * The job event log on SQLite (`store.events`; table `conveyor_job_events`, written by the triggers of migration 7):
 * reading it in seq order, its bounds, and pruning it. One statement each.
 */
import { eventSeqParam, jobEventBoundsFromRow, jobEventFromRow, type JobEventBoundsRow, type JobEventRow } from '../store/job-events.js';
import { boundedLimit } from '../store/row-limits.js';
import type { JobEvent, JobEventBounds, JobEventStore } from '../store/store.js';
import type { PreparedStatements } from './statements.js';

const COLUMNS = 'seq, job_id, task, queue, state, attempt, progress_fraction, progress_message, at, artifact, step';

const LIST = `SELECT ${COLUMNS} FROM conveyor_job_events WHERE seq > @after ORDER BY seq LIMIT @limit`;

// Two subqueries: SQLite answers a lone min() or max() of the primary key from one end of the b-tree.
const BOUNDS = `SELECT (SELECT min(seq) FROM conveyor_job_events) AS oldest, (SELECT max(seq) FROM conveyor_job_events) AS latest`;

// Looks at the `limit` oldest events only, so a call is bounded when nothing is old enough.
const PRUNE = `
DELETE FROM conveyor_job_events WHERE seq IN (
  SELECT seq FROM (SELECT seq, at FROM conveyor_job_events ORDER BY seq LIMIT @limit) WHERE at < @before
)`;

export class SqliteJobEvents implements JobEventStore {
  constructor(private readonly db: PreparedStatements) {}

  async list(params: { afterSeq: string | null; limit: number }): Promise<JobEvent[]> {
    // SQLite compares an INTEGER column with a text parameter as text: bind a number (seqs stay below 2^53 here).
    const rows = this.db.all<JobEventRow>(LIST, { after: Number(eventSeqParam(params.afterSeq)), limit: boundedLimit(params.limit) });
    return rows.map(jobEventFromRow);
  }

  async bounds(): Promise<JobEventBounds> {
    return jobEventBoundsFromRow(this.db.get<JobEventBoundsRow>(BOUNDS));
  }

  async prune(params: { before: Date; limit: number }): Promise<number> {
    return this.db.run(PRUNE, { before: params.before.getTime(), limit: boundedLimit(params.limit) });
  }
}
