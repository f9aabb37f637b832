/**
 * The statements of the kept job counts and the failure groups (`kept-counts.ts`, migration 19),
 * built once per store from its quoted table names and spread into `postgresQueries`.
 */
export function countQueries(jobs: string, jobCounts: string, jobCountChanges: string) {
  return {
    /** The kept counts of the states in $1 (text[]): the folded ones plus the changes not folded yet. */
    JOB_COUNT_KEPT: `
SELECT task, queue, state, sum(count)::int AS count
FROM (
  SELECT task, queue, state, count FROM ${jobCounts} WHERE state = ANY($1::text[])
  UNION ALL
  SELECT task, queue, state, change FROM ${jobCountChanges} WHERE state = ANY($1::text[])
) AS kept
GROUP BY task, queue, state
HAVING sum(count) <> 0`,

    /**
     * Fold at most $1 recorded count changes into job_counts; returns how many. SKIP LOCKED lets
     * folds run side by side on different changes, and the groups are written in one order, so two
     * folds never wait on each other in a cycle.
     */
    JOB_COUNT_FOLD: `
WITH folded AS (
  DELETE FROM ${jobCountChanges}
  WHERE ctid IN (SELECT ctid FROM ${jobCountChanges} LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING queue, task, state, fingerprint, change
), summed AS (
  SELECT queue, task, state, fingerprint, sum(change) AS count, count(*) AS changes FROM folded GROUP BY queue, task, state, fingerprint
), written AS (
  INSERT INTO ${jobCounts} (queue, task, state, fingerprint, count)
  SELECT queue, task, state, fingerprint, count FROM summed ORDER BY queue, task, state, fingerprint
  ON CONFLICT (queue, task, state, fingerprint) DO UPDATE SET count = ${jobCounts}.count + excluded.count
)
SELECT coalesce(sum(changes), 0)::int AS folded FROM summed`,

    /** Failed and dead jobs by fingerprint, task, queue and state: the folded kept counts plus the changes not folded yet. */
    JOB_COUNT_FAILURES: `
SELECT fingerprint, task, queue, state, sum(count)::int AS count
FROM (
  SELECT fingerprint, task, queue, state, count FROM ${jobCounts} WHERE state IN ('failed', 'dead')
  UNION ALL
  SELECT fingerprint, task, queue, state, change FROM ${jobCountChanges} WHERE state IN ('failed', 'dead')
) AS kept
GROUP BY fingerprint, task, queue, state
HAVING sum(count) <> 0`,

    /** Three ranges of jobs_failure_idx: the newest failure of $1, the oldest, and how many since $2. */
    JOB_FAILURE_TIMES: `
SELECT newest.id AS sample_job_id, newest.updated_at AS last_seen_at,
  (SELECT min(updated_at) FROM ${jobs} WHERE error_fingerprint = $1 AND state IN ('failed', 'dead')) AS first_seen_at,
  (SELECT count(*)::int FROM ${jobs} WHERE error_fingerprint = $1 AND state IN ('failed', 'dead') AND updated_at >= $2) AS recent
FROM (
  SELECT id, updated_at FROM ${jobs} WHERE error_fingerprint = $1 AND state IN ('failed', 'dead')
  ORDER BY updated_at DESC, id DESC LIMIT 1
) AS newest`,

    /** Failed and dead jobs with no fingerprint yet (the NULL end of jobs_failure_idx): their latest error. */
    JOB_FAILURES_UNFINGERPRINTED: `
SELECT id, jsonb_array_length(errors) AS error_count, errors -> -1 AS latest_error
FROM ${jobs}
WHERE error_fingerprint IS NULL AND state IN ('failed', 'dead')
LIMIT $1`,

    /** Compare-and-set per record of $1: still failed or dead, still unfingerprinted, with the errors it was read with. */
    JOB_FAILURE_FINGERPRINTS_SET: `
UPDATE ${jobs} AS job SET error_fingerprint = f.fingerprint
FROM jsonb_to_recordset($1::jsonb) AS f(id bigint, fingerprint text, error_count int)
WHERE job.id = f.id AND job.error_fingerprint IS NULL AND job.state IN ('failed', 'dead') AND jsonb_array_length(job.errors) = f.error_count`,
  };
}
