/**
 * Every SQL statement the SQLite store runs, one named constant each. Values are bound through
 * named parameters (`@name`), never spliced into the text; lists travel as one JSON array
 * parameter read with `json_each`.
 *
 * The state lists below (`state IN ${SQL_DUE}`…) come from the constants of `job.ts` through
 * `store/state-lists.ts`, and are the predicates of the partial indexes (created in
 * `migrations/0001_init.sql`, rebuilt as they were in `0005_flows.sql`) word for word: SQLite uses
 * a partial index only when the query's WHERE clause visibly implies the index's.
 *
 * Statements whose cost must not grow with the table name their index with INDEXED BY. Without
 * ANALYZE statistics (the normal case) SQLite's choice depends on the data: on a small table it
 * picked `conveyor_jobs_state_idx` and a sort for promotion and lease recovery, and
 * `conveyor_jobs_task_idx` and a sort for claiming. INDEXED BY also makes a statement fail to
 * prepare, loudly, if a migration ever drops the index it relies on. `sqlite-smoke.test.ts`
 * checks each plan.
 */
import { SQL_CANCEL_AT_ONCE, SQL_DEDUP_KEY, SQL_DUE, SQL_FINAL, SQL_RETRYABLE, SQL_UNFINISHED } from '../store/state-lists.js';
import { claimOrderSql } from '../store/claim-order.js';

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
INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, max_attempts, dedup_key, concurrency_key, trace_context, created_at, updated_at)
VALUES (@task, @queue, @input, @state, @priority, @runAt, @maxAttempts, @dedupKey, @concurrencyKey, @traceContext, @now, @now)
RETURNING *`;

/** The unfinished job holding a dedup key, if any (served by `conveyor_jobs_dedup_idx`). */
export const JOB_GET_UNFINISHED_BY_DEDUP_KEY = `
SELECT * FROM conveyor_jobs INDEXED BY conveyor_jobs_dedup_idx
WHERE task = @task AND dedup_key = @dedupKey
  AND dedup_key IS NOT NULL AND state IN ${SQL_DEDUP_KEY}`;

export const JOB_GET = `SELECT * FROM conveyor_jobs WHERE id = @id`;

/** Running jobs whose cancel was requested: a walk of the running jobs in the state index (a few per worker). */
export const JOB_RUNNING_CANCEL_REQUESTED = `
SELECT id FROM conveyor_jobs INDEXED BY conveyor_jobs_state_idx
WHERE state = 'running' AND cancel_requested_at IS NOT NULL`;

// Listing is newest first, `id < @beforeId` paging (the first page passes Number.MAX_SAFE_INTEGER).
// One statement per leading filter, each walking its own index in id order and stopping after
// `@limit` rows; the remaining filters are checked row by row (NULL = not filtered).

/**
 * The filters no index serves, checked row by row by every listing statement (NULL = not
 * filtered): `created_at` in [@createdAfter, @createdBefore), and @text as a substring of the input
 * JSON or of an error's message (not its stack, which would match file paths), ASCII case folded.
 * `instr` takes its needle literally, so `%` and `_` in @text need no escaping.
 */
const JOB_LIST_ROW_FILTERS = `
  AND (@minId IS NULL OR id >= @minId)
  AND (@createdAfter IS NULL OR created_at >= @createdAfter)
  AND (@createdBefore IS NULL OR created_at < @createdBefore)
  AND (@text IS NULL OR instr(lower(input), lower(@text)) > 0 OR EXISTS (
    SELECT 1 FROM json_each(errors) AS error WHERE instr(lower(json_extract(error.value, '$.message')), lower(@text)) > 0))`;

/** Two ends of the primary key: a text search's window starts from them (store/text-search.ts). */
export const JOB_ID_BOUNDS = `SELECT (SELECT min(id) FROM conveyor_jobs) AS lowest, (SELECT max(id) FROM conveyor_jobs) AS highest`;

/**
 * The listing statements for a select list: `*` for whole jobs, `JOB_SUMMARY_COLUMNS` for lists
 * that must stay small however large jobs are. Each walks one index (see `SqliteStore.listJobRows`).
 * `@states` is a JSON array or NULL; the by-state statement takes ONE state, since a list of states
 * would make SQLite sort them all, so the store runs it per state and merges.
 */
function jobListStatements(columns: string) {
  return {
    all: `
SELECT ${columns} FROM conveyor_jobs
WHERE id < @beforeId${JOB_LIST_ROW_FILTERS}
ORDER BY id DESC
LIMIT @limit`,
    byTask: `
SELECT ${columns} FROM conveyor_jobs INDEXED BY conveyor_jobs_task_idx
WHERE task = @task AND id < @beforeId
  AND (@queue IS NULL OR queue = @queue)
  AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))${JOB_LIST_ROW_FILTERS}
ORDER BY id DESC
LIMIT @limit`,
    byQueue: `
SELECT ${columns} FROM conveyor_jobs INDEXED BY conveyor_jobs_queue_idx
WHERE queue = @queue AND id < @beforeId
  AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))${JOB_LIST_ROW_FILTERS}
ORDER BY id DESC
LIMIT @limit`,
    byState: `
SELECT ${columns} FROM conveyor_jobs INDEXED BY conveyor_jobs_state_idx
WHERE state = @state AND id < @beforeId
  AND (@task IS NULL OR task = @task)
  AND (@queue IS NULL OR queue = @queue)${JOB_LIST_ROW_FILTERS}
ORDER BY id DESC
LIMIT @limit`,
  };
}

export type JobListStatements = ReturnType<typeof jobListStatements>;

export const JOB_LIST = jobListStatements('*');

/**
 * Every column but input, result and errors, which can be megabytes each: of those, the first
 * @previewChars + 1 characters of input and result (one more than shown tells a cut), the number of
 * errors, and the latest error with its message cut likewise at @messageChars + 1.
 */
const JOB_SUMMARY_COLUMNS = `id, task, queue, state, priority, run_at, attempt, max_attempts, dedup_key, concurrency_key, trace_context,
  progress_fraction, progress_message, worker_id, lease_expires_at, cancel_requested_at, created_at, started_at,
  finished_at, updated_at, flow_id, parent_id, on_child_failure, has_children,
  substr(input, 1, @previewChars + 1) AS input_head, substr(result, 1, @previewChars + 1) AS result_head,
  json_array_length(errors) AS error_count,
  json_extract(errors, '$[#-1].attempt') AS last_error_attempt,
  substr(json_extract(errors, '$[#-1].message'), 1, @messageChars + 1) AS last_error_message,
  json_extract(errors, '$[#-1].at') AS last_error_at`;

export const JOB_SUMMARY_LIST = jobListStatements(JOB_SUMMARY_COLUMNS);

/** CROSS JOIN keeps the states as the outer loop, so each is looked up in `conveyor_jobs_state_idx`. */
export const JOB_COUNT_BY_GROUP = `
SELECT job.task, job.queue, job.state, count(*) AS count, min(job.created_at) AS oldest_created_at
FROM json_each(@states) AS wanted CROSS JOIN conveyor_jobs AS job ON job.state = wanted.value
GROUP BY job.task, job.queue, job.state
ORDER BY job.task, job.queue, job.state`;

/** The kept counts (`0017_job_counts.sql`) of the states in @states (a JSON array). */
export const JOB_COUNT_KEPT = `
SELECT task, queue, state, sum(count) AS count FROM conveyor_job_counts
WHERE state IN (SELECT value FROM json_each(@states))
GROUP BY task, queue, state
HAVING sum(count) <> 0
ORDER BY task, queue, state`;

/** Failed and dead jobs by fingerprint, task, queue and state, from the kept counts. */
export const JOB_COUNT_FAILURES = `
SELECT fingerprint, task, queue, state, count FROM conveyor_job_counts
WHERE state IN ('failed', 'dead') AND count <> 0
ORDER BY fingerprint, task, queue, state`;

/**
 * Three ranges of conveyor_jobs_failure_idx, whose predicate the state IN (…) repeats word for word:
 * the newest failure of @fingerprint, the oldest, and how many since @since.
 */
export const JOB_FAILURE_TIMES = `
SELECT newest.id AS sample_job_id, newest.updated_at AS last_seen_at,
  (SELECT min(updated_at) FROM conveyor_jobs WHERE error_fingerprint = @fingerprint AND state IN ('failed', 'dead')) AS first_seen_at,
  (SELECT count(*) FROM conveyor_jobs WHERE error_fingerprint = @fingerprint AND state IN ('failed', 'dead') AND updated_at >= @since) AS recent
FROM (
  SELECT id, updated_at FROM conveyor_jobs WHERE error_fingerprint = @fingerprint AND state IN ('failed', 'dead')
  ORDER BY updated_at DESC, id DESC LIMIT 1
) AS newest`;

/** Failed and dead jobs with no fingerprint yet (the NULL end of conveyor_jobs_failure_idx): their latest error. */
export const JOB_FAILURES_UNFINGERPRINTED = `
SELECT id, json_array_length(errors) AS error_count, json_extract(errors, '$[#-1]') AS latest_error
FROM conveyor_jobs
WHERE error_fingerprint IS NULL AND state IN ('failed', 'dead')
LIMIT @limit`;

/** Compare-and-set: still failed or dead, still unfingerprinted, with the errors it was read with. */
export const JOB_FAILURE_FINGERPRINT_SET = `
UPDATE conveyor_jobs SET error_fingerprint = @fingerprint
WHERE id = @id AND error_fingerprint IS NULL AND state IN ('failed', 'dead') AND json_array_length(errors) = @errorCount`;

/**
 * One range scan of `conveyor_jobs_finished_idx` per final state (the IN list on its first column);
 * only the jobs found are sorted, to group them by queue.
 */
export const JOB_COUNT_FINISHED_SINCE = `
SELECT queue, state, count(*) AS count
FROM conveyor_jobs INDEXED BY conveyor_jobs_finished_idx
WHERE state IN ${SQL_FINAL} AND finished_at >= @since
GROUP BY queue, state
ORDER BY queue, state`;

/** The slot is cast: the driver binds a JS number as a REAL, so the division would not truncate. */
export const JOB_COUNT_FINISHED_BY_INTERVAL = `
SELECT queue, state, CAST((finished_at - @from) / @intervalMs AS INTEGER) AS slot, count(*) AS count
FROM conveyor_jobs INDEXED BY conveyor_jobs_finished_idx
WHERE state IN ${SQL_FINAL} AND finished_at >= @from AND finished_at < @to
GROUP BY queue, state, slot
ORDER BY queue, state, slot`;

// ---- jobs: claim and leases ------------------------------------------------------------------

/**
 * The next jobs of ONE queue in claim order. Equality on `queue` lets SQLite walk
 * `conveyor_jobs_claim_idx` in order and stop after `@limit` rows; `queue IN (json_each(…))`
 * would make it sort every queued job instead, so the store runs this once per queue and merges.
 */
export const JOB_CLAIM_CANDIDATES = `
SELECT id, priority, run_at FROM conveyor_jobs INDEXED BY conveyor_jobs_claim_idx
WHERE state = 'queued'
  AND queue = @queue
  AND task IN (SELECT value FROM json_each(@tasks))
  AND run_at <= @now
ORDER BY ${claimOrderSql()}
LIMIT @limit`;

/**
 * The next jobs of ONE queue with a per-key limit, in claim order: a job is a candidate while the
 * running jobs of its key plus the jobs of its key ranked before it in this claim stay within
 * `@perKey`. Jobs without a key are not limited by key. This reads every due queued job of the
 * queue (the ranking needs them all); only queues with a per-key limit pay for it.
 */
export const JOB_CLAIM_CANDIDATES_PER_KEY = `
WITH running AS (
  SELECT concurrency_key, count(*) AS n FROM conveyor_jobs INDEXED BY conveyor_jobs_running_key_idx
  WHERE state = 'running' AND queue = @queue AND concurrency_key IS NOT NULL
  GROUP BY concurrency_key
),
ranked AS (
  SELECT id, priority, run_at, concurrency_key,
    row_number() OVER (PARTITION BY concurrency_key ORDER BY ${claimOrderSql()}) AS key_rank
  FROM conveyor_jobs INDEXED BY conveyor_jobs_claim_idx
  WHERE state = 'queued'
    AND queue = @queue
    AND task IN (SELECT value FROM json_each(@tasks))
    AND run_at <= @now
)
SELECT id, priority, run_at FROM ranked
WHERE concurrency_key IS NULL
   OR key_rank + coalesce((SELECT n FROM running WHERE running.concurrency_key = ranked.concurrency_key), 0) <= @perKey
ORDER BY ${claimOrderSql()}
LIMIT @limit`;

/** Running jobs of one queue, in every process. */
export const QUEUE_RUNNING_COUNT = `
SELECT count(*) AS n FROM conveyor_jobs INDEXED BY conveyor_jobs_running_key_idx
WHERE state = 'running' AND queue = @queue`;

/** Starts of one queue after `@since` (the start of the rate interval ending now). */
export const QUEUE_STARTS_COUNT = `
SELECT count(*) AS n FROM conveyor_queue_starts WHERE queue = @queue AND started_at > @since`;

/** Starts long out of every rate interval a claim might still count (see `startsPruneBefore`). */
export const QUEUE_STARTS_PRUNE = `
DELETE FROM conveyor_queue_starts WHERE queue = @queue AND started_at <= @before`;

/** One start per job a claim took from the queue; `@ids` is a JSON array of those jobs' ids. */
export const QUEUE_STARTS_RECORD = `
INSERT INTO conveyor_queue_starts (queue, started_at) SELECT @queue, @now FROM json_each(@ids)`;

/** Takes the chosen candidates; `@ids` is a JSON array of ids. */
export const JOB_CLAIM = `
UPDATE conveyor_jobs
SET state = 'running', attempt = attempt + 1, worker_id = @workerId, lease_expires_at = @leaseExpiresAt,
    started_at = @now, updated_at = @now, progress_fraction = NULL, progress_message = NULL
WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'queued'
RETURNING *`;

/** Leaves `updated_at` alone: `jobs.leaseExtend` is given no clock, and a renewal changes nothing a reader sees. */
export const JOB_LEASE_EXTEND = `
UPDATE conveyor_jobs INDEXED BY conveyor_jobs_worker_idx
SET lease_expires_at = @leaseExpiresAt
WHERE state = 'running' AND worker_id = @workerId
RETURNING id, attempt, cancel_requested_at`;

export const JOB_LEASES_EXPIRED = `
SELECT id, attempt, max_attempts, worker_id, cancel_requested_at FROM conveyor_jobs INDEXED BY conveyor_jobs_lease_idx
WHERE state = 'running' AND lease_expires_at < @now
ORDER BY lease_expires_at
LIMIT @limit`;

// ---- jobs: outcomes of a running attempt, each fenced by (id, attempt, worker_id) -------------

// `@error` is one JSON object, appended to the job's history with json_insert(errors, '$[#]', …),
// and `@errorFingerprint` its fingerprint (error-fingerprint.ts), the job's error_fingerprint from then on.
// The outcomes that finish a job return its `parent_id`, so the store settles the parent (a flow
// job waiting for it) in the same transaction; for the many jobs without one that costs nothing more.

export const JOB_SET_SUCCEEDED = `
UPDATE conveyor_jobs
SET state = 'succeeded', result = @result, finished_at = @at, lease_expires_at = NULL, updated_at = @at
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId
RETURNING parent_id`;

export const JOB_SET_FAILED = `
UPDATE conveyor_jobs
SET state = 'failed', run_at = @retryAt, errors = json_insert(errors, '$[#]', json(@error)), error_fingerprint = @errorFingerprint,
    lease_expires_at = NULL, updated_at = @at
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId`;

export const JOB_SET_DEAD = `
UPDATE conveyor_jobs
SET state = 'dead', finished_at = @at, errors = json_insert(errors, '$[#]', json(@error)), error_fingerprint = @errorFingerprint,
    lease_expires_at = NULL, updated_at = @at
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId
RETURNING parent_id`;

/** `@error` may be NULL: a cancel the handler honoured is not an error. */
export const JOB_SET_CANCELLED = `
UPDATE conveyor_jobs
SET state = 'cancelled', finished_at = @at,
    errors = CASE WHEN @error IS NULL THEN errors ELSE json_insert(errors, '$[#]', json(@error)) END,
    error_fingerprint = CASE WHEN @error IS NULL THEN error_fingerprint ELSE @errorFingerprint END,
    lease_expires_at = NULL, updated_at = @at
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId
RETURNING parent_id`;

/** Handed back unstarted: the attempt the claim counted is taken back. */
export const JOB_SET_RELEASED = `
UPDATE conveyor_jobs
SET state = 'queued', attempt = attempt - 1, run_at = @at, worker_id = NULL, lease_expires_at = NULL,
    started_at = NULL, updated_at = @at
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId`;

/**
 * The handler snoozed: waits for `@runAt` (queued at once when it is due), the attempt taken back,
 * no error recorded. Progress stays, for a reader to see why it waits, until the next claim clears it.
 */
export const JOB_SET_SNOOZED = `
UPDATE conveyor_jobs
SET state = CASE WHEN @runAt <= @at THEN 'queued' ELSE 'scheduled' END, attempt = attempt - 1, run_at = @runAt,
    worker_id = NULL, lease_expires_at = NULL, started_at = NULL, updated_at = @at
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId`;

/** The lease ran out with attempts left: queued again now, the attempt counted. */
/** Lease recovery gives a job back to its queue: the attempt counted, its error appended. */
export const JOB_SET_REQUEUED = `
UPDATE conveyor_jobs
SET state = 'queued', run_at = @at, worker_id = NULL, errors = json_insert(errors, '$[#]', json(@error)), error_fingerprint = @errorFingerprint,
    lease_expires_at = NULL,
    updated_at = @at
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId`;

export const JOB_PROGRESS_SET = `
UPDATE conveyor_jobs
SET progress_fraction = @fraction, progress_message = @message, updated_at = @now
WHERE id = @id AND state = 'running' AND attempt = @attempt AND worker_id = @workerId`;

// ---- jobs: operator actions ------------------------------------------------------------------

export const JOB_CANCEL_NOT_RUNNING = `
UPDATE conveyor_jobs
SET state = 'cancelled', finished_at = @now, updated_at = @now
WHERE id = @id AND state IN ${SQL_CANCEL_AT_ONCE}
RETURNING parent_id`;

export const JOB_CANCEL_REQUEST = `
UPDATE conveyor_jobs
SET cancel_requested_at = @now, updated_at = @now
WHERE id = @id AND state = 'running' AND cancel_requested_at IS NULL`;

/**
 * Errors stay: they are the job's history. `started_at` stays until the next attempt starts. A job
 * with children waits for them again; the store settles it at once (they are usually all finished).
 */
export const JOB_RETRY = `
UPDATE conveyor_jobs
SET state = CASE WHEN EXISTS (SELECT 1 FROM conveyor_jobs AS child WHERE child.parent_id = conveyor_jobs.id) THEN 'waiting' ELSE 'queued' END,
    run_at = @now, max_attempts = max(max_attempts, attempt + 1),
    finished_at = NULL, cancel_requested_at = NULL, worker_id = NULL, lease_expires_at = NULL,
    result = NULL, progress_fraction = NULL, progress_message = NULL, updated_at = @now
WHERE id = @id AND state IN ${SQL_RETRYABLE}
RETURNING state`;

/** An operator's delete of finished jobs by id (@ids, a JSON array), keeping children an unfinished parent still reads. */
export const JOB_DELETE_FINISHED = `
DELETE FROM conveyor_jobs
WHERE id IN (SELECT value FROM json_each(@ids))
  AND state IN ${SQL_FINAL}
  AND (parent_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM conveyor_jobs AS parent WHERE parent.id = conveyor_jobs.parent_id AND parent.state IN ${SQL_UNFINISHED}
  ))
RETURNING id`;

/** An operator's "run now": a scheduled job, or a failed one waiting out its backoff, queued at once. */
export const JOB_RUN_NOW = `
UPDATE conveyor_jobs
SET state = 'queued', run_at = @now, updated_at = @now
WHERE id = @id AND state IN ${SQL_DUE}`;

// ---- jobs: maintenance -----------------------------------------------------------------------

export const JOB_PROMOTE_DUE = `
UPDATE conveyor_jobs
SET state = 'queued', updated_at = @now
WHERE id IN (
  SELECT id FROM conveyor_jobs INDEXED BY conveyor_jobs_due_idx
  WHERE state IN ${SQL_DUE} AND run_at <= @now
  ORDER BY run_at
  LIMIT @limit
)`;

/**
 * One range scan of `conveyor_jobs_finished_idx` per state. The repeated `state IN (…)` lets
 * SQLite see that each branch may use that partial index; an OR of the three would scan every
 * finished job of each state. A child stays while its parent is unfinished: the parent reads its
 * result when it runs. A parent finished or already pruned no longer needs it.
 */
export const JOB_PRUNE_FINISHED = `
DELETE FROM conveyor_jobs
WHERE id IN (
  SELECT id FROM (
    SELECT id, parent_id FROM conveyor_jobs INDEXED BY conveyor_jobs_finished_idx
    WHERE state IN ${SQL_FINAL} AND state = 'succeeded' AND finished_at < @succeededBefore
    UNION ALL
    SELECT id, parent_id FROM conveyor_jobs INDEXED BY conveyor_jobs_finished_idx
    WHERE state IN ${SQL_FINAL} AND state = 'dead' AND finished_at < @deadBefore
    UNION ALL
    SELECT id, parent_id FROM conveyor_jobs INDEXED BY conveyor_jobs_finished_idx
    WHERE state IN ${SQL_FINAL} AND state = 'cancelled' AND finished_at < @cancelledBefore
  ) AS finished
  WHERE finished.parent_id IS NULL
     OR NOT EXISTS (
       SELECT 1 FROM conveyor_jobs AS parent
       WHERE parent.id = finished.parent_id AND parent.state IN ${SQL_UNFINISHED}
     )
  LIMIT @limit
)`;

// ---- workers ---------------------------------------------------------------------------------

export const WORKER_REGISTER = `
INSERT OR REPLACE INTO conveyor_workers (id, host, pid, queues, tasks, concurrency, started_at, last_heartbeat_at, handlers_ignoring_abort, dependencies, task_shapes)
VALUES (@id, @host, @pid, @queues, @tasks, @concurrency, @startedAt, @lastHeartbeatAt, @handlersIgnoringAbort, @dependencies, @taskShapes)`;

export const WORKER_HEARTBEAT = `
UPDATE conveyor_workers SET last_heartbeat_at = @now, handlers_ignoring_abort = @handlersIgnoringAbort, dependencies = @dependencies WHERE id = @id`;

export const WORKER_DEREGISTER = `DELETE FROM conveyor_workers WHERE id = @id`;

export const WORKER_LIST = `SELECT * FROM conveyor_workers ORDER BY started_at, id`;

export const WORKER_PRUNE = `DELETE FROM conveyor_workers WHERE last_heartbeat_at < @heartbeatBefore`;

// ---- sessions --------------------------------------------------------------------------------

export const SESSION_CREATE = `
INSERT INTO conveyor_sessions (id_hash, token_hash, created_at, expires_at) VALUES (@idHash, @tokenHash, @createdAt, @expiresAt)`;

export const SESSION_GET = `SELECT * FROM conveyor_sessions WHERE id_hash = @idHash`;

export const SESSION_REVOKE = `UPDATE conveyor_sessions SET revoked_at = coalesce(revoked_at, @now) WHERE id_hash = @idHash`;

export const SESSION_PRUNE = `
DELETE FROM conveyor_sessions WHERE id_hash IN (
  SELECT id_hash FROM conveyor_sessions WHERE expires_at < @before ORDER BY expires_at LIMIT @limit)`;

// ---- queues ----------------------------------------------------------------------------------

/** Pausing a paused queue keeps its first `paused_at`. */
export const QUEUE_PAUSE = `
INSERT INTO conveyor_queues (name, paused_at, updated_at) VALUES (@name, @now, @now)
ON CONFLICT (name) DO UPDATE SET paused_at = coalesce(paused_at, excluded.paused_at), updated_at = excluded.updated_at
RETURNING *`;

export const QUEUE_RESUME = `
INSERT INTO conveyor_queues (name, paused_at, updated_at) VALUES (@name, NULL, @now)
ON CONFLICT (name) DO UPDATE SET paused_at = NULL, updated_at = excluded.updated_at
RETURNING *`;

/** Replaces every limit of a queue; a new row is running (not paused). */
export const QUEUE_LIMITS_SET = `
INSERT INTO conveyor_queues (name, paused_at, updated_at, concurrency_limit, key_concurrency_limit, rate_limit, rate_interval_ms)
VALUES (@name, NULL, @now, @concurrency_limit, @key_concurrency_limit, @rate_limit, @rate_interval_ms)
ON CONFLICT (name) DO UPDATE SET
  concurrency_limit = excluded.concurrency_limit,
  key_concurrency_limit = excluded.key_concurrency_limit,
  rate_limit = excluded.rate_limit,
  rate_interval_ms = excluded.rate_interval_ms,
  updated_at = excluded.updated_at
RETURNING *`;

export const QUEUE_LIST = `SELECT * FROM conveyor_queues ORDER BY name`;

/** The rows of those of the queues `@queues` (a JSON array) that have one: `jobs.claim` skips paused ones and limits limited ones. */
export const QUEUES_AMONG = `
SELECT * FROM conveyor_queues WHERE name IN (SELECT value FROM json_each(@queues))`;

// ---- schedules -------------------------------------------------------------------------------

/**
 * Create or replace a schedule. `next_run_at` is replaced only when the cron or time zone changed,
 * so a process restarting with the same definition does not fire a tick again. (The right-hand
 * sides read the row as it was before this update.)
 */
export const SCHEDULE_UPSERT = `
INSERT INTO conveyor_schedules (name, task, queue, cron, time_zone, input, missed, next_run_at, created_at, updated_at)
VALUES (@name, @task, @queue, @cron, @timeZone, @input, @missed, @nextRunAt, @now, @now)
ON CONFLICT (name) DO UPDATE SET
  task = excluded.task,
  queue = excluded.queue,
  input = excluded.input,
  missed = excluded.missed,
  next_run_at = CASE WHEN cron = excluded.cron AND time_zone = excluded.time_zone THEN next_run_at ELSE excluded.next_run_at END,
  cron = excluded.cron,
  time_zone = excluded.time_zone,
  updated_at = excluded.updated_at
RETURNING *`;

export const SCHEDULE_LIST = `SELECT * FROM conveyor_schedules ORDER BY name`;

export const SCHEDULE_PAUSE = `
UPDATE conveyor_schedules SET paused_at = coalesce(paused_at, @now), updated_at = @now
WHERE name = @name
RETURNING *`;

export const SCHEDULE_RESUME = `
UPDATE conveyor_schedules SET paused_at = NULL, next_run_at = @nextRunAt, updated_at = @now
WHERE name = @name
RETURNING *`;

export const SCHEDULE_REMOVE = `DELETE FROM conveyor_schedules WHERE name = @name`;

/** Walks `conveyor_schedules_due_idx`; the WHERE repeats its predicate so SQLite may use it. */
export const SCHEDULE_DUE_LIST = `
SELECT * FROM conveyor_schedules INDEXED BY conveyor_schedules_due_idx
WHERE paused_at IS NULL AND next_run_at <= @now
ORDER BY next_run_at
LIMIT @limit`;

/** The compare-and-set of firing: changes one row only for the process that saw this tick first. */
export const SCHEDULE_ADVANCE = `
UPDATE conveyor_schedules SET next_run_at = @nextRunAt, last_run_at = @tick, last_error = NULL, last_error_at = NULL, updated_at = @now
WHERE name = @name AND next_run_at = @expectedNextRunAt AND paused_at IS NULL`;

/** Why the schedule could not fire; its definition is unchanged, so `updated_at` stays. */
export const SCHEDULE_ERROR_RECORD = `UPDATE conveyor_schedules SET last_error = @message, last_error_at = @now WHERE name = @name`;

// ---- connection settings (run through `db.pragma`, which takes no parameters) -----------------

export const PRAGMA_JOURNAL_MODE_WAL = 'journal_mode = WAL';
export const PRAGMA_DATA_VERSION = 'PRAGMA data_version';
export const PRAGMA_SYNCHRONOUS_FULL = 'synchronous = FULL';
export const PRAGMA_SYNCHRONOUS_NORMAL = 'synchronous = NORMAL';
export const PRAGMA_FOREIGN_KEYS_ON = 'foreign_keys = ON';
