/**
 * The statements of flows (flows.ts), built once per store for its schema like those of queries.ts.
 * None is named: flows are not the per-job hot path, and the settle statements run only for jobs
 * that have a parent.
 */
import { NOTICE_CANCEL_PREFIX, noticeChannel, notifyQueuedColumn, quoteIdentifier, UNFINISHED } from './queries.js';

/** Columns of one job in the jsonb records `FLOW_INSERT` reads: `JOB_INSERT`'s, with the id given and the flow's links. */
const FLOW_RECORD = `(id bigint, flow_id bigint, parent_id bigint, on_child_failure text, has_children boolean, task text, queue text, input text,
  state text, priority int, run_at timestamptz, max_attempts int, concurrency_key text)`;

export type FlowQueries = ReturnType<typeof flowQueries>;

export function flowQueries(schema: string) {
  const s = quoteIdentifier(schema);
  const jobs = `${s}.jobs`;
  const channel = noticeChannel(schema);

  /**
   * Settles the waiting jobs among the ids `candidates` selects (`only`: a further condition on the
   * job; $2 now, $3 now in ms since the epoch) whose children are all finished: dead, with one error
   * naming the lowest-id child that ended dead or cancelled, when their `on_child_failure` is 'fail'
   * and there is such a child; else queued, or scheduled while their `run_at` is ahead. The compare-and-set is `job.state = 'waiting'` together
   * with the NOT EXISTS on the target row: a settle that waits on the row lock of a concurrent one
   * rechecks them on the row it committed (EvalPlanQual) and finds it no longer waiting, so each
   * job is settled once. Returns each settled job with its parent (a job that died settles its own
   * parent next); the notice for the queues that got queued jobs goes out when the statement commits.
   */
  const settle = (candidates: string, only = ''): string => {
    const failedByChild = `(job.on_child_failure = 'fail' AND failing.id IS NOT NULL)`;
    // Materialised: evaluated once, so its LIMIT and locks hold however the join below is planned.
    return `
WITH candidate AS MATERIALIZED (${candidates}),
settled AS (
  UPDATE ${jobs} AS job
  SET state = CASE WHEN ${failedByChild} THEN 'dead' WHEN job.run_at <= $2::timestamptz THEN 'queued' ELSE 'scheduled' END,
      finished_at = CASE WHEN ${failedByChild} THEN $2::timestamptz ELSE job.finished_at END,
      errors = CASE WHEN ${failedByChild}
        THEN job.errors || jsonb_build_array(jsonb_build_object('attempt', job.attempt, 'message', failing.message, 'stack', NULL, 'at', $3::bigint))
        ELSE job.errors END,
      updated_at = $2::timestamptz
  FROM candidate
  LEFT JOIN LATERAL (
    SELECT child.id,
      CASE WHEN child.state = 'cancelled' AND child.errors -> -1 IS NULL
        THEN format('Child job %s (task "%s") was cancelled', child.id, child.task)
        ELSE format('Child job %s (task "%s") ended %s', child.id, child.task, child.state) || coalesce(': ' || (child.errors -> -1 ->> 'message'), '')
      END AS message
    FROM ${jobs} AS child
    WHERE child.parent_id = candidate.id AND child.state IN ('dead', 'cancelled')
    ORDER BY child.id
    LIMIT 1
  ) AS failing ON true
  WHERE job.id = candidate.id AND job.state = 'waiting'${only}
    AND NOT EXISTS (SELECT 1 FROM ${jobs} AS child WHERE child.parent_id = job.id AND child.state IN ${UNFINISHED})
  RETURNING job.id, job.state, job.queue, job.parent_id
)
SELECT settled.*,
  ${notifyQueuedColumn(channel, 'settled')}
FROM settled`;
  };

  return {
    /** $1 ids for the jobs of one flow, in order: reserved first, so each parent's id is known before its children are written. */
    FLOW_IDS_RESERVE: `SELECT nextval(pg_get_serial_sequence('${jobs}', 'id')) AS id FROM generate_series(1, $1::int) ORDER BY id`,

    /**
     * Inserts every job of a flow ($1: jsonb array of `FLOW_RECORD`s, ids reserved) at $2 in one
     * statement, so all of them or none. Flow jobs carry no dedup key. The notice for the queues that
     * got queued jobs goes out when the statement's transaction commits (the caller's, with `tx`).
     */
    FLOW_INSERT: `
WITH inserted AS (
  INSERT INTO ${jobs} (id, flow_id, parent_id, on_child_failure, has_children, task, queue, input, state, priority, run_at,
    max_attempts, concurrency_key, created_at, updated_at)
  OVERRIDING SYSTEM VALUE
  SELECT id, flow_id, parent_id, on_child_failure, has_children, task, queue, input::json, state, priority, run_at, max_attempts,
    concurrency_key, $2::timestamptz, $2::timestamptz
  FROM jsonb_to_recordset($1::jsonb) AS r${FLOW_RECORD}
  RETURNING *
)
SELECT inserted.*,
  ${notifyQueuedColumn(channel, 'inserted')}
FROM inserted
ORDER BY id`,

    FLOW_GET: `SELECT * FROM ${jobs} WHERE flow_id = $1 ORDER BY id`,
    JOB_CHILD_LIST: `SELECT * FROM ${jobs} WHERE parent_id = $1 ORDER BY id`,

    /**
     * Cancels every unfinished job of flow $1 at $2 in one statement: jobs not running become
     * cancelled; running ones get `cancel_requested_at` (unless they have it). Returns the jobs
     * changed, with their parents to settle; the store tells the workers (`NOTIFY_CANCELS`).
     */
    FLOW_CANCEL: `
UPDATE ${jobs} AS job
  SET state = CASE WHEN job.state = 'running' THEN job.state ELSE 'cancelled' END,
      finished_at = CASE WHEN job.state = 'running' THEN job.finished_at ELSE $2::timestamptz END,
      cancel_requested_at = CASE WHEN job.state = 'running' THEN $2::timestamptz ELSE job.cancel_requested_at END,
      updated_at = $2::timestamptz
  WHERE job.flow_id = $1
    AND (job.state IN ('waiting', 'scheduled', 'queued', 'failed') OR (job.state = 'running' AND job.cancel_requested_at IS NULL))
RETURNING job.id, job.state, job.parent_id`,

    /** Tell every listening process that the cancel of these running jobs ($1) was requested. */
    NOTIFY_CANCELS: `SELECT count(pg_notify('${channel}', '${NOTICE_CANCEL_PREFIX}' || id)) FROM unnest($1::text[]) AS requested(id)`,

    /**
     * Settles the waiting jobs $1 (a bigint array) whose children are all finished; see `settle`.
     * The id array reaches them by primary key whatever the planner guesses of the candidates.
     */
    JOB_SETTLE: settle(`SELECT unnest($1::bigint[]) AS id`, ` AND job.id = ANY($1::bigint[])`),

    /**
     * Settles at most $1 waiting jobs whose children are all finished, lowest id first, through
     * `jobs_waiting_idx`; one a concurrent settle holds is skipped, not waited for.
     */
    JOB_SETTLE_WAITING: settle(`
  SELECT id FROM ${jobs} AS waiting
  WHERE waiting.state = 'waiting'
    AND NOT EXISTS (SELECT 1 FROM ${jobs} AS child WHERE child.parent_id = waiting.id AND child.state IN ${UNFINISHED})
  ORDER BY waiting.id
  LIMIT $1
  FOR UPDATE SKIP LOCKED`),
  };
}
