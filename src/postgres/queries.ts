/**
 * Every SQL statement the PostgreSQL store runs, built once per store for its schema. Values are
 * bound as `$n` parameters, never spliced in; lists travel as arrays, batches as one jsonb array
 * read with `jsonb_to_recordset`. Times travel as ISO-8601 strings and are cast to timestamptz.
 *
 * Every statement that writes is one statement, or runs in one transaction with the statements
 * that read what it decides on, under row locks (`FOR UPDATE`, `SKIP LOCKED` where any other free
 * row will do), so many workers on many machines can run any of them at the same time.
 */

import { SQL_CANCEL_AT_ONCE, SQL_DEDUP_KEY, SQL_DUE, SQL_FINAL, SQL_RETRYABLE, SQL_UNFINISHED } from '../store/state-lists.js';
import { createHash } from 'node:crypto';
import { countQueries } from './count-queries.js';
import { claimOrderSql } from '../store/claim-order.js';

/** The channel every process of one schema LISTENs on. */
export function noticeChannel(schema: string): string {
  return `conveyor:${schema}`;
}

/** Notice payloads: `j:<queue>` when jobs became runnable in a queue, `c:<jobId>` when a cancel was requested. */
export const NOTICE_JOBS_PREFIX = 'j:';
export const NOTICE_CANCEL_PREFIX = 'c:';

/**
 * A select-list column that sends one jobs-available notice per distinct queue among the `queued` rows
 * of `rows` (a CTE of changed jobs), with the statement: on the caller's commit when inside `{ tx }`.
 */
export function notifyQueuedColumn(channel: string, rows: string): string {
  return `(SELECT count(pg_notify('${channel}', '${NOTICE_JOBS_PREFIX}' || queue))
   FROM (SELECT DISTINCT queue FROM ${rows} WHERE state = 'queued') AS queued) AS notices`;
}

/** `"name"`: an identifier PostgreSQL takes as written. Schema names are checked to be [a-z0-9_] before they get here. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Every column of a job but input, result and errors, which can be megabytes each: of those, the
 * first $10 + 1 characters of input and result (kept as written: compact JSON), the number of
 * errors, and the latest error with its message cut at $11 + 1.
 */
const JOB_SUMMARY_COLUMNS = `id, task, queue, state, priority, run_at, attempt, max_attempts, dedup_key, concurrency_key, trace_context, flow_id, parent_id,
  on_child_failure, has_children, progress_fraction, progress_message, worker_id, lease_expires_at, cancel_requested_at,
  created_at, started_at, finished_at, updated_at,
  left(input::text, $10::int + 1) AS input_head, left(result::text, $10::int + 1) AS result_head,
  jsonb_array_length(errors) AS error_count, (errors -> -1 ->> 'attempt')::int AS last_error_attempt,
  left(errors -> -1 ->> 'message', $11::int + 1) AS last_error_message, (errors -> -1 ->> 'at')::bigint AS last_error_at`;

/** The listing statement of `JOB_LIST` and `JOB_SUMMARY_LIST`, for a select list. */
function jobListStatement(jobs: string, columns: string): string {
  return `
SELECT ${columns} FROM ${jobs}
WHERE id < $1
  AND ($2::text[] IS NULL OR state = ANY($2::text[]))
  AND ($3::text IS NULL OR task = $3)
  AND ($4::text IS NULL OR queue = $4)
  AND ($6::timestamptz IS NULL OR created_at >= $6)
  AND ($7::timestamptz IS NULL OR created_at < $7)
  AND ($9::bigint IS NULL OR id >= $9)
  AND ($8::text IS NULL OR input::text ILIKE $8 ESCAPE '\\' OR EXISTS (
    SELECT 1 FROM jsonb_array_elements(errors) AS error WHERE error ->> 'message' ILIKE $8 ESCAPE '\\'))
ORDER BY id DESC
LIMIT $5`;
}

/** Columns of one job in the jsonb records `JOB_INSERT` reads. */
const INSERT_RECORD = `(ord int, task text, queue text, input text, state text, priority int, run_at timestamptz,
  max_attempts int, dedup_key text, concurrency_key text, trace_context text)`;

/**
 * Columns of one outcome in the jsonb records `JOB_SET_STATE_IF_RUNNING` reads. `kind` is a
 * `JobStateUpdate` kind (`requeued`: a lease recovery with attempts left). `run_at` is when the
 * job runs next: a failed attempt's retry, or a snooze's end.
 */
const UPDATE_RECORD = `(id bigint, attempt int, worker_id text, kind text, at timestamptz, result text, error jsonb,
  error_fingerprint text, run_at timestamptz)`;

/** States a dedup key is unique among: the predicate of `jobs_dedup_idx`, word for word. */
const DEDUP_PREDICATE = `dedup_key IS NOT NULL AND state IN ${SQL_DEDUP_KEY}`;


/**
 * True for a finished job (as `job`) that no unfinished parent needs any more: a child stays while
 * its parent is unfinished (the parent reads its result when it runs); a finished or pruned parent
 * no longer needs it. One primary-key lookup per job.
 */
function notNeededByParent(jobs: string): string {
  return `NOT EXISTS (SELECT 1 FROM ${jobs} AS parent WHERE parent.id = job.parent_id AND parent.state IN ${SQL_UNFINISHED})`;
}

/** True for a `queues` row (as `queue`) with any limit. */
const LIMITED = `(queue.concurrency_limit IS NOT NULL OR queue.key_concurrency_limit IS NOT NULL OR queue.rate_limit IS NOT NULL)`;
const LIMITED_OR_PAUSED = `(queue.paused_at IS NOT NULL OR ${LIMITED})`;

/** What a claim sets ($3 now, $5 worker, $6 lease expiry). */
const CLAIM_SET = `state = 'running', attempt = job.attempt + 1, worker_id = $5, lease_expires_at = $6,
    started_at = $3, updated_at = $3, progress_fraction = NULL, progress_message = NULL`;

export type PostgresQueries = ReturnType<typeof postgresQueries>;

/**
 * Statements a worker runs for every job or every beat: the store names them, so each connection
 * parses them once and, after five runs, PostgreSQL may keep one generic plan. Each is written so
 * that plan does not depend on the values (`JOB_CLAIM` and `JOB_SET_STATE_IF_RUNNING` reach jobs
 * through an id array for that reason). Planning the claim afresh cost ~0.6 ms of a 0.9 ms claim.
 */
export const PREPARED_STATEMENTS = [
  'JOB_INSERT',
  'JOB_CLAIM',
  'JOB_GET',
  'JOB_SET_STATE_IF_RUNNING',
  'JOB_LEASE_EXTEND',
  'JOB_PROGRESS_SET',
  'NOTIFY_QUEUES',
  'WORKER_HEARTBEAT',
] as const satisfies ReadonlyArray<keyof PostgresQueries>;

/** A statement's name on the server: from its text, so the same text in any store gets the same name. */
export function statementName(text: string): string {
  return `conveyor_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}

export function postgresQueries(schema: string) {
  const s = quoteIdentifier(schema);
  const jobs = `${s}.jobs`;
  const workers = `${s}.workers`;
  const sessions = `${s}.sessions`;
  const queues = `${s}.queues`;
  const queueStarts = `${s}.queue_starts`;
  const migrations = `${s}.migrations`;
  const schedules = `${s}.schedules`;
  const channel = noticeChannel(schema);

  return {
    ...countQueries(jobs, `${s}.job_counts`, `${s}.job_count_changes`),
    // ---- migrations ----------------------------------------------------------------------------

    /** Held until the migrating transaction ends: ten processes starting at once migrate once. */
    MIGRATION_LOCK: `SELECT pg_advisory_xact_lock(hashtextextended('conveyor migrations ' || $1::text, 0))`,
    SCHEMA_CREATE: `CREATE SCHEMA IF NOT EXISTS ${s}`,
    /** The history table lives outside the numbered migrations: the runner needs it to read them. */
    MIGRATIONS_TABLE_CREATE: `
CREATE TABLE IF NOT EXISTS ${migrations} (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL
)`,
    /** Null when the history table does not exist (an empty database). */
    MIGRATIONS_TABLE_EXISTS: `SELECT to_regclass($1) IS NOT NULL AS present`,
    migrationsTableName: `${schema}.migrations`,
    MIGRATIONS_APPLIED: `SELECT version, name, checksum, applied_at FROM ${migrations} ORDER BY version`,
    MIGRATION_RECORD: `INSERT INTO ${migrations} (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)`,
    /** Migrations are written unqualified; they run with the schema first on the path. */
    SEARCH_PATH_SET: `SET LOCAL search_path TO ${s}, pg_catalog`,

    // ---- jobs: insert and read -------------------------------------------------------------------

    /**
     * Inserts a batch ($1: jsonb array of `INSERT_RECORD`s, in order) in one statement. A job whose
     * (task, dedup_key) an unfinished job holds is skipped; so is a later job of the batch with the
     * key of an earlier one. The notice for the queues that got queued jobs goes out when the
     * statement's transaction commits (the caller's, with `enqueue({ tx })`).
     */
    JOB_INSERT: `
WITH inserted AS (
  INSERT INTO ${jobs} (task, queue, input, state, priority, run_at, max_attempts, dedup_key, concurrency_key, trace_context, created_at, updated_at)
  SELECT task, queue, input::json, state, priority, run_at, max_attempts, dedup_key, concurrency_key, trace_context, $2::timestamptz, $2::timestamptz
  FROM jsonb_to_recordset($1::jsonb) AS r${INSERT_RECORD}
  ORDER BY ord
  ON CONFLICT (task, dedup_key) WHERE ${DEDUP_PREDICATE} DO NOTHING
  RETURNING *
)
SELECT inserted.*,
  ${notifyQueuedColumn(channel, 'inserted')}
FROM inserted
ORDER BY id`,

    /** The unfinished jobs holding these (task, dedup_key) pairs ($1 tasks, $2 keys). */
    JOB_GET_UNFINISHED_BY_DEDUP_KEYS: `
SELECT job.* FROM ${jobs} AS job
JOIN unnest($1::text[], $2::text[]) AS wanted(task, dedup_key)
  ON job.task = wanted.task AND job.dedup_key = wanted.dedup_key
WHERE job.dedup_key IS NOT NULL AND job.state IN ${SQL_DEDUP_KEY}`,

    JOB_GET: `SELECT * FROM ${jobs} WHERE id = $1`,
    JOB_GET_FOR_UPDATE: `SELECT * FROM ${jobs} WHERE id = $1 FOR UPDATE`,

    /** Two ends of the primary key: a text search's window starts from them (store/text-search.ts). */
    JOB_ID_BOUNDS: `SELECT (SELECT min(id) FROM ${jobs}) AS lowest, (SELECT max(id) FROM ${jobs}) AS highest`,

    /**
     * Newest first, `id < $1` paging; $2 states (text[] or null), $3 task, $4 queue (null = not
     * filtered), $5 limit. Sent unnamed, so it is planned with the values and the null filters fold away.
     * $6/$7 bound `created_at` to [$6, $7). $8 is an ILIKE pattern (`%`, `_` and `\` of the searched
     * text escaped) over the input's JSON text and each error's message (not its stack, which would
     * match file paths); no index serves it, so it filters the rows the walk in id order reaches,
     * down to the floor $9 of the text search's window (store/text-search.ts).
     */
    JOB_LIST: jobListStatement(jobs, '*'),
    /** `JOB_LIST` as summaries: $10 is how many characters of input and result to keep, $11 of the latest error's message (one more each tells a cut). */
    JOB_SUMMARY_LIST: jobListStatement(jobs, JOB_SUMMARY_COLUMNS),

    /**
     * Jobs in the one state $1, by (task, queue). One statement per state, sent unnamed so it is
     * planned with the value: each state then walks its own partial index (queued: the claim index,
     * running: the worker index, waiting, scheduled, failed, dead, cancelled: theirs). `state = ANY(…)`
     * over several states matched none of them and read the whole table, finished history included.
     */
    JOB_COUNT_IN_STATE: `
SELECT task, queue, state, count(*)::int AS count, min(created_at) AS oldest_created_at
FROM ${jobs}
WHERE state = $1
GROUP BY task, queue, state`,


    /**
     * One range scan of `jobs_finished_idx` per final state. `state IN (…)` would match the index's
     * predicate word for word, so PostgreSQL would drop it from the index condition and read every
     * finished job's entry, testing `finished_at` on each.
     */
    JOB_COUNT_FINISHED_SINCE: `
SELECT queue, state, count(*)::int AS count
FROM (
  SELECT queue, state FROM ${jobs} WHERE state = 'succeeded' AND finished_at >= $1
  UNION ALL
  SELECT queue, state FROM ${jobs} WHERE state = 'dead' AND finished_at >= $1
  UNION ALL
  SELECT queue, state FROM ${jobs} WHERE state = 'cancelled' AND finished_at >= $1
) AS finished
GROUP BY queue, state
ORDER BY queue, state`,

    /** $1 from, $2 to (exclusive), $3 interval in ms; one range of the finished index per final state (why: see JOB_COUNT_FINISHED_SINCE). */
    JOB_COUNT_FINISHED_BY_INTERVAL: `
SELECT queue, state, floor(extract(epoch FROM finished_at - $1::timestamptz) * 1000 / $3::int)::int AS slot, count(*)::int AS count
FROM (
  SELECT queue, state, finished_at FROM ${jobs} WHERE state = 'succeeded' AND finished_at >= $1 AND finished_at < $2
  UNION ALL
  SELECT queue, state, finished_at FROM ${jobs} WHERE state = 'dead' AND finished_at >= $1 AND finished_at < $2
  UNION ALL
  SELECT queue, state, finished_at FROM ${jobs} WHERE state = 'cancelled' AND finished_at >= $1 AND finished_at < $2
) AS finished
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3`,

    // ---- jobs: claim and leases ------------------------------------------------------------------

    /**
     * Claims up to $4 queued jobs of the queues $1 and tasks $2 that are due at $3. Per queue, the
     * claim index is walked in claim order and stops after $4 unlocked rows (`queue = ANY(…)` would
     * make PostgreSQL sort every queued job instead); the best $4 of those are taken. Rows another
     * worker is claiming are skipped, not waited for. The chosen ids travel as an array, so even the
     * generic plan of this named statement updates them through the primary key (joining the
     * candidates instead, it guessed thousands of rows for an unknown LIMIT and scanned the table).
     * Paused and limited queues are dropped from $1 before their walk, by one primary-key lookup per
     * queue (a correlated subquery: as NOT EXISTS, the generic plan hashed the whole queues table). A
     * pause or limit that committed before this statement began is always seen: its snapshot is taken
     * at the start. Limited queues are claimed from by `JOB_CLAIM_LIMITED…`, under their row lock.
     */
    JOB_CLAIM: `
UPDATE ${jobs} AS job
SET state = 'running', attempt = job.attempt + 1, worker_id = $5, lease_expires_at = $6,
    started_at = $3, updated_at = $3, progress_fraction = NULL, progress_message = NULL
WHERE job.state = 'queued' AND job.id = ANY(ARRAY(
  SELECT candidate.id
  FROM (
    SELECT queue FROM unnest($1::text[]) AS requested(queue)
    WHERE (SELECT ${LIMITED_OR_PAUSED} FROM ${queues} AS queue WHERE queue.name = requested.queue) IS NOT TRUE
  ) AS served
  CROSS JOIN LATERAL (
    SELECT id, priority, run_at FROM ${jobs}
    WHERE state = 'queued' AND queue = served.queue AND task = ANY($2::text[]) AND run_at <= $3
    ORDER BY ${claimOrderSql()}
    LIMIT $4
    FOR UPDATE SKIP LOCKED
  ) AS candidate
  ORDER BY ${claimOrderSql('candidate')}
  LIMIT $4
))
RETURNING job.*`,

    /**
     * Claims of a limited queue run in one transaction: this lock on the queue's row first, so claims
     * of the queue from every process take turns, and each later statement (a fresh READ COMMITTED
     * snapshot) sees the jobs the previous claim started and every job finished since.
     */
    QUEUE_LOCK: `SELECT * FROM ${queues} WHERE name = $1 FOR UPDATE`,

    /** Running jobs of queue $1, and its starts after $2 (the start of the rate interval ending now). */
    QUEUE_LOAD: `
SELECT (SELECT count(*)::int FROM ${jobs} WHERE state = 'running' AND queue = $1) AS running,
       (SELECT count(*)::int FROM ${queueStarts} WHERE queue = $1 AND started_at > $2) AS recent_starts`,

    /** Starts of queue $1 at or before $2, long out of every rate interval a claim might still count (see `startsPruneBefore`). */
    QUEUE_STARTS_PRUNE: `DELETE FROM ${queueStarts} WHERE queue = $1 AND started_at <= $2`,

    /** Records $3 starts of queue $1 at $2. */
    QUEUE_STARTS_RECORD: `INSERT INTO ${queueStarts} (queue, started_at) SELECT $1::text, $2::timestamptz FROM generate_series(1, $3::int)`,

    /**
     * Claims up to $4 queued jobs of ONE limited queue $1 (tasks $2, due at $3) for worker $5 until
     * $6, in claim order; the caller holds the queue's lock and computed $4 from its limits.
     */
    JOB_CLAIM_LIMITED: `
UPDATE ${jobs} AS job
SET ${CLAIM_SET}
WHERE job.state = 'queued' AND job.id = ANY(ARRAY(
  SELECT id FROM ${jobs}
  WHERE state = 'queued' AND queue = $1 AND task = ANY($2::text[]) AND run_at <= $3
  ORDER BY ${claimOrderSql()}
  LIMIT $4
  FOR UPDATE SKIP LOCKED
))
RETURNING job.*`,

    /**
     * As `JOB_CLAIM_LIMITED`, for a queue with a per-key limit $7: a job is taken while the running
     * jobs of its key plus the jobs of its key ranked before it in this claim stay within $7. Jobs
     * without a key are not limited by key. The ranking reads every due queued job of the queue, so
     * only queues with a per-key limit pay for it. (A window function rules out SKIP LOCKED: a row
     * changed meanwhile fails the `state = 'queued'` recheck of the UPDATE instead.)
     */
    JOB_CLAIM_LIMITED_PER_KEY: `
UPDATE ${jobs} AS job
SET ${CLAIM_SET}
WHERE job.state = 'queued' AND job.id = ANY(ARRAY(
  WITH running AS (
    SELECT concurrency_key, count(*) AS n FROM ${jobs}
    WHERE state = 'running' AND queue = $1 AND concurrency_key IS NOT NULL
    GROUP BY concurrency_key
  ),
  ranked AS (
    SELECT id, priority, run_at, concurrency_key,
      row_number() OVER (PARTITION BY concurrency_key ORDER BY ${claimOrderSql()}) AS key_rank
    FROM ${jobs}
    WHERE state = 'queued' AND queue = $1 AND task = ANY($2::text[]) AND run_at <= $3
  )
  SELECT ranked.id FROM ranked LEFT JOIN running ON running.concurrency_key = ranked.concurrency_key
  WHERE ranked.concurrency_key IS NULL OR ranked.key_rank + coalesce(running.n, 0) <= $7
  ORDER BY ${claimOrderSql('ranked')}
  LIMIT $4
))
RETURNING job.*`,

    /** Leaves `updated_at` alone: `jobs.leaseExtend` is given no clock, and a renewal changes nothing a reader sees. */
    JOB_LEASE_EXTEND: `
UPDATE ${jobs} SET lease_expires_at = $2
WHERE state = 'running' AND worker_id = $1
RETURNING id, attempt, cancel_requested_at`,

    /** Running jobs whose lease expired before $1, oldest first, at most $2, locked for recovery. */
    JOB_LEASES_EXPIRED: `
SELECT id, attempt, max_attempts, worker_id, cancel_requested_at FROM ${jobs}
WHERE state = 'running' AND lease_expires_at < $1
ORDER BY lease_expires_at
LIMIT $2
FOR UPDATE SKIP LOCKED`,

    // ---- jobs: outcomes of running attempts, each fenced by (id, attempt, worker_id) ---------------

    /**
     * Applies a batch of outcomes ($1: jsonb array of `UPDATE_RECORD`s, $2: their ids) in one
     * statement. An outcome whose job is no longer running under that attempt and worker matches no
     * row and is skipped. Returns the ids it changed, the queues that got queued jobs back (released,
     * requeued), and each job's parent: the store settles the parents of finished flow children once
     * this commits (flows.ts), so jobs without a parent cost one null column more. The planner
     * guesses 100 rows for any jsonb_to_recordset; the id array makes it look the jobs up by primary
     * key instead of scanning every running job.
     */
    JOB_SET_STATE_IF_RUNNING: `
UPDATE ${jobs} AS job
SET state = CASE u.kind WHEN 'released' THEN 'queued' WHEN 'requeued' THEN 'queued'
      WHEN 'snoozed' THEN CASE WHEN u.run_at <= u.at THEN 'queued' ELSE 'scheduled' END ELSE u.kind END,
    result = CASE WHEN u.kind = 'succeeded' THEN u.result::json ELSE job.result END,
    finished_at = CASE WHEN u.kind IN ('succeeded', 'dead', 'cancelled') THEN u.at ELSE job.finished_at END,
    run_at = CASE WHEN u.kind IN ('failed', 'snoozed') THEN u.run_at WHEN u.kind IN ('released', 'requeued') THEN u.at ELSE job.run_at END,
    errors = CASE WHEN u.error IS NULL THEN job.errors ELSE job.errors || jsonb_build_array(u.error) END,
    error_fingerprint = CASE WHEN u.error IS NULL THEN job.error_fingerprint ELSE u.error_fingerprint END,
    attempt = CASE WHEN u.kind IN ('released', 'snoozed') THEN job.attempt - 1 ELSE job.attempt END,
    worker_id = CASE WHEN u.kind IN ('released', 'requeued', 'snoozed') THEN NULL ELSE job.worker_id END,
    started_at = CASE WHEN u.kind IN ('released', 'snoozed') THEN NULL ELSE job.started_at END,
    lease_expires_at = NULL,
    updated_at = u.at
FROM jsonb_to_recordset($1::jsonb) AS u${UPDATE_RECORD}
WHERE job.id = ANY($2::bigint[])
  AND job.id = u.id AND job.state = 'running' AND job.attempt = u.attempt AND job.worker_id = u.worker_id
RETURNING job.id, job.state, job.queue, job.parent_id`,

    JOB_PROGRESS_SET: `
UPDATE ${jobs}
SET progress_fraction = $4, progress_message = $5, updated_at = $6
WHERE id = $1 AND state = 'running' AND attempt = $2 AND worker_id = $3`,

    // ---- jobs: operator actions ------------------------------------------------------------------

    JOB_CANCEL_NOT_RUNNING: `
UPDATE ${jobs} SET state = 'cancelled', finished_at = $2, updated_at = $2
WHERE id = $1 AND state IN ${SQL_CANCEL_AT_ONCE}`,

    JOB_CANCEL_REQUEST: `
UPDATE ${jobs} SET cancel_requested_at = $2, updated_at = $2
WHERE id = $1 AND state = 'running' AND cancel_requested_at IS NULL`,

    /**
     * Errors stay: they are the job's history. `started_at` stays until the next attempt starts. A job
     * with children waits for them again; the store settles it once this commits (flows.ts).
     */
    JOB_RETRY: `
UPDATE ${jobs} AS job
SET state = CASE WHEN EXISTS (SELECT 1 FROM ${jobs} AS child WHERE child.parent_id = job.id) THEN 'waiting' ELSE 'queued' END,
    run_at = $2, max_attempts = greatest(max_attempts, attempt + 1),
    finished_at = NULL, cancel_requested_at = NULL, worker_id = NULL, lease_expires_at = NULL,
    result = NULL, progress_fraction = NULL, progress_message = NULL, updated_at = $2
WHERE id = $1 AND state IN ${SQL_RETRYABLE}
RETURNING job.state`,

    /** An operator's delete of finished jobs $1 by id, keeping children an unfinished parent still reads. */
    JOB_DELETE_FINISHED: `
DELETE FROM ${jobs} AS job
WHERE job.id = ANY($1::bigint[]) AND job.state IN ${SQL_FINAL} AND ${notNeededByParent(jobs)}
RETURNING job.id`,

    /** An operator's "run now": scheduled job $1, or a failed one waiting out its backoff, queued at $2. */
    JOB_RUN_NOW: `
UPDATE ${jobs} SET state = 'queued', run_at = $2, updated_at = $2
WHERE id = $1 AND state IN ${SQL_DUE}`,

    // ---- jobs: maintenance -----------------------------------------------------------------------

    /** Queues up to $2 scheduled and failed jobs due at $1; returns the queues they are in. */
    JOB_PROMOTE_DUE: `
WITH due AS (
  SELECT id FROM ${jobs}
  WHERE state IN ${SQL_DUE} AND run_at <= $1
  ORDER BY run_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE ${jobs} AS job SET state = 'queued', updated_at = $1
FROM due WHERE job.id = due.id
RETURNING job.queue`,

    /**
     * One range scan of `jobs_finished_idx` per state, at most $4 rows in all. Children an unfinished
     * parent still needs are passed over inside each branch, so they never use up its LIMIT.
     */
    JOB_PRUNE_FINISHED: `
DELETE FROM ${jobs} WHERE id IN (
  SELECT id FROM (
    (SELECT id FROM ${jobs} AS job WHERE state = 'succeeded' AND finished_at < $1 AND ${notNeededByParent(jobs)} LIMIT $4)
    UNION ALL
    (SELECT id FROM ${jobs} AS job WHERE state = 'dead' AND finished_at < $2 AND ${notNeededByParent(jobs)} LIMIT $4)
    UNION ALL
    (SELECT id FROM ${jobs} AS job WHERE state = 'cancelled' AND finished_at < $3 AND ${notNeededByParent(jobs)} LIMIT $4)
  ) AS finished
  LIMIT $4
)`,

    // ---- notices ---------------------------------------------------------------------------------

    /** Tell every listening process that jobs became runnable in these queues ($1). */
    NOTIFY_QUEUES: `SELECT count(pg_notify('${channel}', '${NOTICE_JOBS_PREFIX}' || queue)) FROM unnest($1::text[]) AS queued(queue)`,
    /** Tell every listening process that a cancel of job $1 was requested. */
    NOTIFY_CANCEL: `SELECT pg_notify('${channel}', '${NOTICE_CANCEL_PREFIX}' || $1::text)`,
    LISTEN: `LISTEN ${quoteIdentifier(channel)}`,

    // ---- workers ---------------------------------------------------------------------------------

    WORKER_REGISTER: `
INSERT INTO ${workers} (id, host, pid, queues, tasks, concurrency, started_at, last_heartbeat_at, handlers_ignoring_abort, dependencies, task_shapes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, queues = excluded.queues, tasks = excluded.tasks,
  concurrency = excluded.concurrency, started_at = excluded.started_at, last_heartbeat_at = excluded.last_heartbeat_at,
  handlers_ignoring_abort = excluded.handlers_ignoring_abort, dependencies = excluded.dependencies, task_shapes = excluded.task_shapes`,
    WORKER_HEARTBEAT: `UPDATE ${workers} SET last_heartbeat_at = $2, handlers_ignoring_abort = $3, dependencies = $4 WHERE id = $1`,
    WORKER_DEREGISTER: `DELETE FROM ${workers} WHERE id = $1`,
    WORKER_LIST: `SELECT * FROM ${workers} ORDER BY started_at, id`,
    WORKER_PRUNE: `DELETE FROM ${workers} WHERE last_heartbeat_at < $1`,

    // ---- sessions --------------------------------------------------------------------------------

    SESSION_CREATE: `INSERT INTO ${sessions} (id_hash, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
    SESSION_GET: `SELECT * FROM ${sessions} WHERE id_hash = $1`,
    SESSION_REVOKE: `UPDATE ${sessions} SET revoked_at = coalesce(revoked_at, $2) WHERE id_hash = $1`,
    SESSION_PRUNE: `
DELETE FROM ${sessions} WHERE id_hash IN (
  SELECT id_hash FROM ${sessions} WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,

    // ---- queues ----------------------------------------------------------------------------------

    /** Pauses queue $1 at $2; pausing a paused queue keeps its first `paused_at`. */
    QUEUE_PAUSE: `
INSERT INTO ${queues} AS queue (name, paused_at, updated_at) VALUES ($1, $2, $2)
ON CONFLICT (name) DO UPDATE SET paused_at = coalesce(queue.paused_at, excluded.paused_at), updated_at = excluded.updated_at
RETURNING *`,
    /** Resumes queue $1 at $2 and, when that commits, wakes the workers that serve it. */
    QUEUE_RESUME: `
WITH resumed AS (
  INSERT INTO ${queues} AS queue (name, paused_at, updated_at) VALUES ($1, NULL, $2)
  ON CONFLICT (name) DO UPDATE SET paused_at = NULL, updated_at = excluded.updated_at
  RETURNING *
)
SELECT resumed.*, pg_notify('${channel}', '${NOTICE_JOBS_PREFIX}' || resumed.name) AS notice FROM resumed`,
    QUEUE_LIST: `SELECT * FROM ${queues} ORDER BY name`,
    /** Replaces every limit of queue $1 at $2 ($3 concurrency, $4 per key, $5 rate limit, $6 rate interval ms); a new row is running. */
    QUEUE_LIMITS_SET: `
INSERT INTO ${queues} AS queue (name, paused_at, updated_at, concurrency_limit, key_concurrency_limit, rate_limit, rate_interval_ms)
VALUES ($1, NULL, $2, $3, $4, $5, $6)
ON CONFLICT (name) DO UPDATE SET
  concurrency_limit = excluded.concurrency_limit,
  key_concurrency_limit = excluded.key_concurrency_limit,
  rate_limit = excluded.rate_limit,
  rate_interval_ms = excluded.rate_interval_ms,
  updated_at = excluded.updated_at
RETURNING *`,
    /** Names of every queue with a limit: a worker reads them now and then to know which queues to claim under a lock. */
    QUEUES_LIMITED: `SELECT name FROM ${queues} AS queue WHERE ${LIMITED}`,

    // ---- schedules -------------------------------------------------------------------------------

    /**
     * Creates or replaces schedule $1 ($2 task, $3 queue, $4 cron, $5 time zone, $6 input JSON text,
     * $7 missed, $8 next_run_at, $9 now). `next_run_at` is replaced only when the cron or time zone
     * changed, so a restart with the same definition does not fire a tick again.
     */
    SCHEDULE_UPSERT: `
INSERT INTO ${schedules} AS schedule (name, task, queue, cron, time_zone, input, missed, next_run_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9, $9)
ON CONFLICT (name) DO UPDATE SET
  task = excluded.task,
  queue = excluded.queue,
  input = excluded.input,
  missed = excluded.missed,
  next_run_at = CASE WHEN schedule.cron = excluded.cron AND schedule.time_zone = excluded.time_zone
    THEN schedule.next_run_at ELSE excluded.next_run_at END,
  cron = excluded.cron,
  time_zone = excluded.time_zone,
  updated_at = excluded.updated_at
RETURNING *`,
    SCHEDULE_LIST: `SELECT * FROM ${schedules} ORDER BY name`,
    /** Pauses schedule $1 at $2; pausing a paused schedule keeps its first `paused_at`. */
    SCHEDULE_PAUSE: `UPDATE ${schedules} SET paused_at = coalesce(paused_at, $2), updated_at = $2 WHERE name = $1 RETURNING *`,
    /** Resumes schedule $1 from tick $2, at $3. */
    SCHEDULE_RESUME: `UPDATE ${schedules} SET paused_at = NULL, next_run_at = $2, updated_at = $3 WHERE name = $1 RETURNING *`,
    SCHEDULE_REMOVE: `DELETE FROM ${schedules} WHERE name = $1`,
    /** Unpaused schedules due at $1, earliest first, at most $2 (served by `schedules_due_idx`). */
    SCHEDULE_DUE_LIST: `
SELECT * FROM ${schedules}
WHERE paused_at IS NULL AND next_run_at <= $1
ORDER BY next_run_at
LIMIT $2`,
    /**
     * The compare-and-set of firing ($1 name, $2 tick as read, $3 following tick, $4 tick fired, $5 now):
     * of concurrent transactions, the first to update the row wins; the others wait on its row lock,
     * then find `next_run_at` moved and change nothing.
     */
    SCHEDULE_ADVANCE: `
UPDATE ${schedules} SET next_run_at = $3, last_run_at = $4, last_error = NULL, last_error_at = NULL, updated_at = $5
WHERE name = $1 AND next_run_at = $2 AND paused_at IS NULL`,
    /** Records why schedule $1 could not fire ($2) at $3; its definition is unchanged, so `updated_at` stays. */
    SCHEDULE_ERROR_RECORD: `UPDATE ${schedules} SET last_error = $2, last_error_at = $3 WHERE name = $1`,
  };
}
