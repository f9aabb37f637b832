-- Kept job counts and error fingerprints, version 17 (src/store/kept-counts.ts).
--
-- error_fingerprint is the fingerprint of a job's latest error (src/store/error-fingerprint.ts),
-- written with the error by every statement that appends one; NULL where a statement could not
-- compute it (a flow parent killed by its child, a job that failed before this version), until
-- jobs.fingerprintFailures fills it in. Failure groups read it through conveyor_jobs_failure_idx.
--
-- conveyor_job_counts holds one row per (queue, task, state, fingerprint) for the states jobs pile
-- up in, changed by triggers in the same transaction as every insert, state change and delete of a
-- job, so the overview, the queue pages, a bulk action's confirm page and the failure groups read one
-- row per group instead of an index entry per job (bench:dashboard). fingerprint is the job's
-- error_fingerprint for failed and dead jobs ('' while it has none), and '' in the other states.
-- The hot path (insert as queued, claim, succeed) changes no kept state, so the WHEN clauses are
-- false and it writes nothing more. A migration that rebuilds conveyor_jobs must recreate the triggers.
ALTER TABLE conveyor_jobs ADD COLUMN error_fingerprint TEXT;

CREATE INDEX conveyor_jobs_failure_idx ON conveyor_jobs (error_fingerprint, updated_at)
  WHERE state IN ('failed', 'dead');

CREATE TABLE conveyor_job_counts (
  queue TEXT NOT NULL,
  task TEXT NOT NULL,
  state TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (queue, task, state, fingerprint)
) WITHOUT ROWID;

INSERT INTO conveyor_job_counts (queue, task, state, fingerprint, count)
SELECT queue, task, state, '', count(*) FROM conveyor_jobs
WHERE state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
GROUP BY queue, task, state;

CREATE TRIGGER conveyor_job_counts_insert AFTER INSERT ON conveyor_jobs
WHEN new.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
BEGIN
  INSERT INTO conveyor_job_counts (queue, task, state, fingerprint, count)
  VALUES (new.queue, new.task, new.state, CASE WHEN new.state IN ('failed', 'dead') THEN coalesce(new.error_fingerprint, '') ELSE '' END, 1)
  ON CONFLICT (queue, task, state, fingerprint) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER conveyor_job_counts_update AFTER UPDATE OF state, queue, task, error_fingerprint ON conveyor_jobs
WHEN (old.state IS NOT new.state OR old.queue IS NOT new.queue OR old.task IS NOT new.task OR old.error_fingerprint IS NOT new.error_fingerprint)
  AND (old.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled') OR new.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled'))
BEGIN
  UPDATE conveyor_job_counts SET count = count - 1
  WHERE old.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled') AND queue = old.queue AND task = old.task AND state = old.state
    AND fingerprint = CASE WHEN old.state IN ('failed', 'dead') THEN coalesce(old.error_fingerprint, '') ELSE '' END;
  INSERT INTO conveyor_job_counts (queue, task, state, fingerprint, count)
  SELECT new.queue, new.task, new.state, CASE WHEN new.state IN ('failed', 'dead') THEN coalesce(new.error_fingerprint, '') ELSE '' END, 1
  WHERE new.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
  ON CONFLICT (queue, task, state, fingerprint) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER conveyor_job_counts_delete AFTER DELETE ON conveyor_jobs
WHEN old.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
BEGIN
  UPDATE conveyor_job_counts SET count = count - 1
  WHERE queue = old.queue AND task = old.task AND state = old.state
    AND fingerprint = CASE WHEN old.state IN ('failed', 'dead') THEN coalesce(old.error_fingerprint, '') ELSE '' END;
END;
