/**
 * The SQL statements of flows (see `flows.ts`), one named constant each, under the rules of
 * `queries.ts`: named parameters only, and the predicates of the partial indexes of
 * `migrations/0005_flows.sql` and `0008_unfinished_children.sql` repeated word for word so SQLite may
 * use them.
 *
 * State lists come from the constants of `job.ts` (`store/state-lists.ts`): "unfinished" is
 * `SQL_UNFINISHED`, UNFINISHED_STATES.
 */
import { SQL_CANCEL_AT_ONCE, SQL_CHILD_FAILURE, SQL_UNFINISHED } from '../store/state-lists.js';

/** One job of a flow; the root is inserted with `@flowId` NULL and then named its own flow (`FLOW_ROOT_NAME`). */
export const FLOW_JOB_INSERT = `
INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, max_attempts, concurrency_key, trace_context, flow_id,
  parent_id, on_child_failure, has_children, created_at, updated_at)
VALUES (@task, @queue, @input, @state, @priority, @runAt, @maxAttempts, @concurrencyKey, @traceContext, @flowId,
  @parentId, @onChildFailure, @hasChildren, @now, @now)
RETURNING *`;

/** The root's id is known only once it is inserted: the root names itself as its flow. */
export const FLOW_ROOT_NAME = `
UPDATE conveyor_jobs SET flow_id = id WHERE id = @id
RETURNING *`;

export const FLOW_GET = `
SELECT * FROM conveyor_jobs INDEXED BY conveyor_jobs_flow_idx
WHERE flow_id = @flowId
ORDER BY id`;

/** The first `@limit` jobs of a flow, by the flow index. */
export const FLOW_JOB_LIST = `
SELECT * FROM conveyor_jobs INDEXED BY conveyor_jobs_flow_idx
WHERE flow_id = @flowId
ORDER BY id
LIMIT @limit`;

/** Jobs of the flow not running end now; returns each with its parent, to settle the parents. */
export const FLOW_CANCEL_NOT_RUNNING = `
UPDATE conveyor_jobs INDEXED BY conveyor_jobs_flow_idx
SET state = 'cancelled', finished_at = @now, updated_at = @now
WHERE flow_id = @flowId AND state IN ${SQL_CANCEL_AT_ONCE}
RETURNING id, parent_id`;

/** Running jobs of the flow are asked to stop; a request already made keeps its time. */
export const FLOW_CANCEL_REQUEST = `
UPDATE conveyor_jobs INDEXED BY conveyor_jobs_flow_idx
SET cancel_requested_at = @now, updated_at = @now
WHERE flow_id = @flowId AND state = 'running' AND cancel_requested_at IS NULL`;

export const JOB_CHILD_LIST = `
SELECT * FROM conveyor_jobs INDEXED BY conveyor_jobs_parent_idx
WHERE parent_id = @id
ORDER BY id`;

/** A waiting job all of whose children are finished, with what settling it needs; no row otherwise. */
export const JOB_SETTLEABLE_GET = `
SELECT job.id, job.attempt, job.on_child_failure FROM conveyor_jobs AS job
WHERE job.id = @id AND job.state = 'waiting'
  AND NOT EXISTS (
    SELECT 1 FROM conveyor_jobs AS child INDEXED BY conveyor_jobs_unfinished_child_idx
    WHERE child.parent_id = job.id AND child.state IN ${SQL_UNFINISHED}
  )`;

/** Up to `@limit` waiting jobs all of whose children are finished, lowest id first. */
export const JOB_SETTLEABLE_LIST = `
SELECT job.id FROM conveyor_jobs AS job INDEXED BY conveyor_jobs_waiting_idx
WHERE job.state = 'waiting'
  AND NOT EXISTS (
    SELECT 1 FROM conveyor_jobs AS child INDEXED BY conveyor_jobs_unfinished_child_idx
    WHERE child.parent_id = job.id AND child.state IN ${SQL_UNFINISHED}
  )
ORDER BY job.id
LIMIT @limit`;

/** The child that fails its parent: the lowest id among those that ended dead or cancelled. */
export const JOB_FAILED_CHILD_FIRST = `
SELECT id, task, state, json_extract(errors, '$[#-1].message') AS last_error_message
FROM conveyor_jobs INDEXED BY conveyor_jobs_parent_idx
WHERE parent_id = @id AND state IN ${SQL_CHILD_FAILURE}
ORDER BY id
LIMIT 1`;

/** Compare-and-set on 'waiting'; returns the parent to settle in turn. */
export const JOB_SETTLE_DEAD = `
UPDATE conveyor_jobs
SET state = 'dead', finished_at = @now, errors = json_insert(errors, '$[#]', json(@error)), error_fingerprint = @errorFingerprint, updated_at = @now
WHERE id = @id AND state = 'waiting'
RETURNING parent_id`;

/** Compare-and-set on 'waiting': the job runs now, or at its `run_at` when that is still ahead. */
export const JOB_SETTLE_RELEASE = `
UPDATE conveyor_jobs
SET state = CASE WHEN run_at <= @now THEN 'queued' ELSE 'scheduled' END, updated_at = @now
WHERE id = @id AND state = 'waiting'`;
