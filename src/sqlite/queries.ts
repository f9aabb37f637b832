/**
 * Every SQL statement the SQLite store runs, one named constant each. Values are bound through
 * named parameters (`@name`), never spliced into the text; lists travel as one JSON array
 * parameter read with `json_each`.
 *
 * The state lists written out below (`state IN ('scheduled', …)`) repeat the predicates of the
 * partial indexes in `migrations/0001_init.sql` word for word: SQLite uses a partial index only
 * when the query's WHERE clause visibly implies the index's.
 */

// ---- migrations ------------------------------------------------------------------------------

/** The history table lives outside the numbered migrations: the runner needs it to read them. */
export const MIGRATIONS_TABLE_CREATE = `
CREATE TABLE IF NOT EXISTS conveyor_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`;

export const MIGRATIONS_TABLE_EXISTS = `
SELECT 1 AS present FROM sqlite_schema WHERE type = 'table' AND name = 'conveyor_migrations'`;

export const MIGRATIONS_APPLIED = `
SELECT version, name, checksum, applied_at FROM conveyor_migrations ORDER BY version`;

export const MIGRATION_RECORD = `
INSERT INTO conveyor_migrations (version, name, checksum, applied_at)
VALUES (@version, @name, @checksum, @appliedAt)`;

// ---- jobs: insert and read -------------------------------------------------------------------

export const JOB_INSERT = `
INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, max_attempts, dedup_key, created_at, updated_at)
VALUES (@task, @queue, @input, @state, @priority, @runAt, @maxAttempts, @dedupKey, @now, @now)
RETURNING *`;

/** The unfinished job holding a dedup key, if any (served by `conveyor_jobs_dedup_idx`). */
export const JOB_GET_UNFINISHED_BY_DEDUP_KEY = `
SELECT * FROM conveyor_jobs
WHERE task = @task AND dedup_key = @dedupKey
  AND dedup_key IS NOT NULL AND state IN ('scheduled', 'queued', 'running', 'failed')`;

export const JOB_GET = `SELECT * FROM conveyor_jobs WHERE id = @id`;

/**
 * One page of jobs, newest first. A filter left out is passed as NULL; `@states` is a JSON
 * array or NULL. `@afterId` is the last id of the previous page or NULL for the first.
 */
export const JOB_LIST = `
SELECT * FROM conveyor_jobs
WHERE (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
  AND (@task IS NULL OR task = @task)
  AND (@queue IS NULL OR queue = @queue)
  AND (@afterId IS NULL OR id < @afterId)
ORDER BY id DESC
LIMIT @limit`;

export const JOB_COUNT_BY_GROUP = `
SELECT task, queue, state, count(*) AS count, min(created_at) AS oldest_created_at
FROM conveyor_jobs
WHERE state IN (SELECT value FROM json_each(@states))
GROUP BY task, queue, state
ORDER BY task, queue, state`;

// ---- jobs: claim and leases ------------------------------------------------------------------

/**
 * The next jobs of ONE queue in claim order. Equality on `queue` lets SQLite walk
 * `conveyor_jobs_claim_idx` in order and stop after `@limit` rows; `queue IN (json_each(…))`
 * would make it sort every queued job instead, so the store runs this once per queue and merges.
 */
export const JOB_CLAIM_CANDIDATES = `
SELECT id, priority, run_at FROM conveyor_jobs
WHERE state = 'queued'
  AND queue = @queue
  AND task IN (SELECT value FROM json_each(@tasks))
  AND run_at <= @now
ORDER BY priority DESC, run_at, id
LIMIT @limit`;

/** Takes the chosen candidates; `@ids` is a JSON array of ids. */
export const JOB_CLAIM = `
UPDATE conveyor_jobs
SET state = 'running', attempt = attempt + 1, worker_id = @workerId, lease_expires_at = @leaseExpiresAt,
    started_at = @now, updated_at = @now
WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'queued'
RETURNING *`;

/** Leaves `updated_at` alone: `jobLeaseExtend` is given no clock, and a renewal changes nothing a reader sees. */
export const JOB_LEASE_EXTEND = `
UPDATE conveyor_jobs
SET lease_expires_at = @leaseExpiresAt
WHERE state = 'running' AND worker_id = @workerId
RETURNING id, attempt, cancel_requested_at`;

export const JOB_LEASES_EXPIRED = `
SELECT id, attempt, max_attempts, worker_id, cancel_requested_at FROM conveyor_jobs
WHERE state = 'running' AND lease_expires_at < @now
ORDER BY lease_expires_at
LIMIT @limit`;

// ---- jobs: outcomes of a running attempt, each fenced by (id, attempt, worker_id) -------------

const FENCE = `WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId`;

/** Appends `@error` (a JSON object) to the job's error history. */
const APPEND_ERROR = `json_insert(errors, '$[#]', json(@error))`;

export const JOB_SET_SUCCEEDED = `
UPDATE conveyor_jobs
SET state = 'succeeded', result = @result, finished_at = @at, lease_expires_at = NULL, updated_at = @at
${FENCE}`;

export const JOB_SET_FAILED = `
UPDATE conveyor_jobs
SET state = 'failed', run_at = @retryAt, errors = ${APPEND_ERROR}, lease_expires_at = NULL, updated_at = @at
${FENCE}`;

export const JOB_SET_DEAD = `
UPDATE conveyor_jobs
SET state = 'dead', finished_at = @at, errors = ${APPEND_ERROR}, lease_expires_at = NULL, updated_at = @at
${FENCE}`;

/** `@error` may be NULL: a cancel the handler honoured is not an error. */
export const JOB_SET_CANCELLED = `
UPDATE conveyor_jobs
SET state = 'cancelled', finished_at = @at,
    errors = CASE WHEN @error IS NULL THEN errors ELSE ${APPEND_ERROR} END,
    lease_expires_at = NULL, updated_at = @at
${FENCE}`;

/** Handed back unstarted: the attempt the claim counted is taken back. */
export const JOB_SET_RELEASED = `
UPDATE conveyor_jobs
SET state = 'queued', attempt = attempt - 1, run_at = @at, worker_id = NULL, lease_expires_at = NULL,
    started_at = NULL, updated_at = @at
${FENCE}`;

/** The lease ran out with attempts left: queued again now, the attempt counted. */
export const JOB_SET_LEASE_EXPIRED_REQUEUED = `
UPDATE conveyor_jobs
SET state = 'queued', run_at = @at, worker_id = NULL, errors = ${APPEND_ERROR}, lease_expires_at = NULL,
    updated_at = @at
${FENCE}`;

export const JOB_PROGRESS_SET = `
UPDATE conveyor_jobs
SET progress_fraction = @fraction, progress_message = @message, updated_at = @now
${FENCE}`;

// ---- jobs: operator actions ------------------------------------------------------------------

export const JOB_CANCEL_NOT_RUNNING = `
UPDATE conveyor_jobs
SET state = 'cancelled', finished_at = @now, updated_at = @now
WHERE id = @id AND state IN ('scheduled', 'queued', 'failed')`;

export const JOB_CANCEL_REQUEST = `
UPDATE conveyor_jobs
SET cancel_requested_at = @now, updated_at = @now
WHERE id = @id AND state = 'running' AND cancel_requested_at IS NULL`;

/** Errors stay: they are the job's history. `started_at` stays until the next attempt starts. */
export const JOB_RETRY = `
UPDATE conveyor_jobs
SET state = 'queued', run_at = @now, max_attempts = max(max_attempts, attempt + 1),
    finished_at = NULL, cancel_requested_at = NULL, worker_id = NULL, lease_expires_at = NULL,
    result = NULL, progress_fraction = NULL, progress_message = NULL, updated_at = @now
WHERE id = @id AND state IN ('failed', 'dead', 'cancelled', 'succeeded')`;

// ---- jobs: maintenance -----------------------------------------------------------------------

export const JOB_PROMOTE_DUE = `
UPDATE conveyor_jobs
SET state = 'queued', updated_at = @now
WHERE id IN (
  SELECT id FROM conveyor_jobs
  WHERE state IN ('scheduled', 'failed') AND run_at <= @now
  ORDER BY run_at
  LIMIT @limit
)`;

export const JOB_PRUNE_FINISHED = `
DELETE FROM conveyor_jobs
WHERE id IN (
  SELECT id FROM conveyor_jobs
  WHERE state IN ('succeeded', 'dead', 'cancelled')
    AND ((state = 'succeeded' AND finished_at < @succeededBefore)
      OR (state = 'dead' AND finished_at < @deadBefore)
      OR (state = 'cancelled' AND finished_at < @cancelledBefore))
  LIMIT @limit
)`;

// ---- workers ---------------------------------------------------------------------------------

export const WORKER_REGISTER = `
INSERT OR REPLACE INTO conveyor_workers (id, host, pid, queues, tasks, concurrency, started_at, last_heartbeat_at)
VALUES (@id, @host, @pid, @queues, @tasks, @concurrency, @startedAt, @lastHeartbeatAt)`;

export const WORKER_HEARTBEAT = `UPDATE conveyor_workers SET last_heartbeat_at = @now WHERE id = @id`;

export const WORKER_DEREGISTER = `DELETE FROM conveyor_workers WHERE id = @id`;

export const WORKER_LIST = `SELECT * FROM conveyor_workers ORDER BY started_at, id`;

export const WORKER_PRUNE = `DELETE FROM conveyor_workers WHERE last_heartbeat_at < @heartbeatBefore`;
