/**
 * The job event log on SQLite (table `conveyor_job_events`, written by the triggers of migration 7):
 * reading it in seq order, its bounds, and pruning it. One statement each.
 */
import { eventSeqParam, jobEventBoundsFromRow, jobEventFromRow, type JobEventBoundsRow, type JobEventRow } from '../store/job-events.js';
import type { JobEvent, JobEventBounds } from '../store/store.js';
import type { PreparedStatements } from './statements.js';

const COLUMNS = 'seq, job_id, task, queue, state, attempt, progress_fraction, progress_message, at';

const LIST = `SELECT ${COLUMNS} FROM conveyor_job_events WHERE seq > @after ORDER BY seq LIMIT @limit`;

// Two subqueries: SQLite answers a lone min() or max() of the primary key from one end of the b-tree.
const BOUNDS = `SELECT (SELECT min(seq) FROM conveyor_job_events) AS oldest, (SELECT max(seq) FROM conveyor_job_events) AS latest`;

// Looks at the `limit` oldest events only, so a call is bounded when nothing is old enough.
const PRUNE = `
DELETE FROM conveyor_job_events WHERE seq IN (
  SELECT seq FROM (SELECT seq, at FROM conveyor_job_events ORDER BY seq LIMIT @limit) WHERE at < @before
)`;

export class SqliteJobEvents {
  constructor(private readonly db: PreparedStatements) {}

  list(params: { afterSeq: string | null; limit: number }): JobEvent[] {
    // SQLite compares an INTEGER column with a text parameter as text: bind a number (seqs stay below 2^53 here).
    const rows = this.db.all<JobEventRow>(LIST, { after: Number(eventSeqParam(params.afterSeq)), limit: params.limit });
    return rows.map(jobEventFromRow);
  }

  bounds(): JobEventBounds {
    return jobEventBoundsFromRow(this.db.get<JobEventBoundsRow>(BOUNDS));
  }

  prune(params: { before: Date; limit: number }): number {
    return this.db.run(PRUNE, { before: params.before.getTime(), limit: params.limit });
  }
}
