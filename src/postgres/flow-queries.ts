/**
 * The statements of flows (flows.ts), built once per store for its schema like those of queries.ts.
 * None is named: flows are not the per-job hot path, and the settle statements run only for jobs
 * that have a parent.
 */
import { SQL_CANCEL_AT_ONCE, SQL_CHILD_FAILURE, SQL_UNFINISHED } from '../store/state-lists.js';
import { NOTICE_CANCEL_PREFIX, noticeChannel, notifyQueuedColumn, quoteIdentifier } from './queries.js';

/** Columns of one job in the jsonb records `FLOW_INSERT` reads: `JOB_INSERT`'s, with the id given and the flow's links. */
const FLOW_RECORD = `(id bigint, flow_id bigint, parent_id bigint, on_child_failure text, has_children boolean, task text, queue text, input text,
  state text, priority int, run_at timestamptz, max_attempts int, concurrency_key text, trace_context text)`;

/** Columns of one settle decision in the jsonb records `JOB_SETTLE_APPLY` reads (`error`: as `attemptErrorToJson` writes it). */
const SETTLE_RECORD = `(id bigint, outcome text, failed_child_id bigint, error jsonb, error_fingerprint text)`;

export type FlowQueries = ReturnType<typeof flowQueries>;

export function flowQueries(schema: string) {
  const s = quoteIdentifier(schema);
  const jobs = `${s}.jobs`;
  const channel = noticeChannel(schema);

  /**
   * The waiting jobs among those `candidates` selects (`lock`: a locking clause) whose children are
   * all finished, lowest id first, each with its first failed child (lowest id among those that
   * ended dead or cancelled), if any: what `settleDecision` needs.
   */
  const settleablePlan = (candidates: string, lock = ''): string => `
SELECT job.id, job.attempt, job.on_child_failure,
  failing.id AS failed_child_id, failing.task AS failed_child_task, failing.state AS failed_child_state,
  failing.errors -> -1 ->> 'message' AS failed_child_message
FROM ${jobs} AS job
LEFT JOIN LATERAL (
  SELECT child.id, child.task, child.state, child.errors FROM ${jobs} AS child
  WHERE child.parent_id = job.id AND child.state IN ${SQL_CHILD_FAILURE}
  ORDER BY child.id
  LIMIT 1
) AS failing ON true
WHERE ${candidates} AND job.state = 'waiting'
  AND NOT EXISTS (SELECT 1 FROM ${jobs} AS child WHERE child.parent_id = job.id AND child.state IN ${SQL_UNFINISHED})
ORDER BY job.id${lock}`;

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
    max_attempts, concurrency_key, trace_context, created_at, updated_at)
  OVERRIDING SYSTEM VALUE
  SELECT id, flow_id, parent_id, on_child_failure, has_children, task, queue, input::json, state, priority, run_at, max_attempts,
    concurrency_key, trace_context, $2::timestamptz, $2::timestamptz
  FROM jsonb_to_recordset($1::jsonb) AS r${FLOW_RECORD}
  RETURNING *
)
SELECT inserted.*,
  ${notifyQueuedColumn(channel, 'inserted')}
FROM inserted
ORDER BY id`,

    FLOW_GET: `SELECT * FROM ${jobs} WHERE flow_id = $1 ORDER BY id`,
    FLOW_JOB_LIST: `SELECT * FROM ${jobs} WHERE flow_id = $1 ORDER BY id LIMIT $2`,
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
    AND (job.state IN ${SQL_CANCEL_AT_ONCE} OR (job.state = 'running' AND job.cancel_requested_at IS NULL))
RETURNING job.id, job.state, job.parent_id`,

    /** Tell every listening process that the cancel of these running jobs ($1) was requested. */
    NOTIFY_CANCELS: `SELECT count(pg_notify('${channel}', '${NOTICE_CANCEL_PREFIX}' || id)) FROM unnest($1::text[]) AS requested(id)`,

    /** The settleable jobs among $1 (a bigint array); see `settleablePlan`. The array reaches them by primary key. */
    JOB_SETTLE_PLAN: settleablePlan(`job.id = ANY($1::bigint[])`),

    /**
     * At most $1 settleable waiting jobs, lowest id first, through `jobs_waiting_idx`, locked for the
     * transaction that settles them; one a concurrent sweep holds is skipped, not waited for.
     */
    JOB_SETTLE_WAITING_PLAN: `${settleablePlan(`job.state = 'waiting'`, ' LIMIT $1 FOR UPDATE OF job SKIP LOCKED')}`,

    /**
     * Applies settle decisions ($1: jsonb array of `SETTLE_RECORD`s, ascending ids; $2 now): 'dead'
     * appends `error` and finishes the job; 'release' queues it, or schedules it while its `run_at`
     * is ahead. Each is a compare-and-set on what the decision was made from: the job still waiting
     * with every child finished, and its failed child still failed (dead) or no child failed (release
     * of a job that fails with its children). A settle that waits on the row lock of a concurrent one
     * rechecks this on the row it committed (EvalPlanQual) and finds it no longer waiting, so each job
     * is settled once; a decision made stale by a retried child changes nothing, and the settle that
     * follows that child's end decides again. Returns each settled job with its parent (a job that
     * died settles its own parent next); the notice for queues that got queued jobs goes out at commit.
     */
    JOB_SETTLE_APPLY: `
WITH settled AS (
  UPDATE ${jobs} AS job
  SET state = CASE WHEN d.outcome = 'dead' THEN 'dead' WHEN job.run_at <= $2::timestamptz THEN 'queued' ELSE 'scheduled' END,
      finished_at = CASE WHEN d.outcome = 'dead' THEN $2::timestamptz ELSE job.finished_at END,
      errors = CASE WHEN d.outcome = 'dead' THEN job.errors || jsonb_build_array(d.error) ELSE job.errors END,
      error_fingerprint = CASE WHEN d.outcome = 'dead' THEN d.error_fingerprint ELSE job.error_fingerprint END,
      updated_at = $2::timestamptz
  FROM jsonb_to_recordset($1::jsonb) AS d${SETTLE_RECORD}
  WHERE job.id = d.id AND job.state = 'waiting'
    AND NOT EXISTS (SELECT 1 FROM ${jobs} AS child WHERE child.parent_id = job.id AND child.state IN ${SQL_UNFINISHED})
    AND CASE WHEN d.outcome = 'dead'
      THEN EXISTS (SELECT 1 FROM ${jobs} AS child WHERE child.id = d.failed_child_id AND child.parent_id = job.id AND child.state IN ${SQL_CHILD_FAILURE})
      ELSE job.on_child_failure <> 'fail' OR NOT EXISTS (SELECT 1 FROM ${jobs} AS child WHERE child.parent_id = job.id AND child.state IN ${SQL_CHILD_FAILURE})
    END
  RETURNING job.id, job.state, job.queue, job.parent_id
)
SELECT settled.*,
  ${notifyQueuedColumn(channel, 'settled')}
FROM settled`,
  };
}
