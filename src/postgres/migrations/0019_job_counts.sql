-- Kept job counts and error fingerprints, version 19 (src/store/kept-counts.ts).
--
-- error_fingerprint is the fingerprint of a job's latest error (src/store/error-fingerprint.ts),
-- written with the error by every statement that appends one; NULL where a statement could not
-- compute it (a flow parent killed by its child, a job that failed before this version), until
-- jobs.fingerprintFailures fills it in. Failure groups read it through jobs_failure_idx.
--
-- For the states jobs pile up in, a trigger records each insert, state change and delete of a job
-- as a row of job_count_changes (+1 or -1 for a queue, task, state and fingerprint), in the same
-- transaction; jobs.foldKeptCounts moves them into job_counts, one row per group, and reads add
-- both. Changes are rows of their own, never an update of a shared counter, so concurrent
-- transactions never wait on one another for a count. fingerprint is the job's error_fingerprint
-- for failed and dead jobs ('' while it has none), and '' in the other states. The hot path
-- (insert as queued, claim, succeed) changes no kept state: the WHEN clauses are false and no
-- function runs. The function keeps the search_path of this migration (the store's schema), since
-- it runs in the sessions of whatever writes to jobs.
ALTER TABLE jobs ADD COLUMN error_fingerprint text;

CREATE INDEX jobs_failure_idx ON jobs (error_fingerprint, updated_at)
  WHERE state IN ('failed', 'dead');

CREATE TABLE job_counts (
  queue text NOT NULL,
  task text NOT NULL,
  state text NOT NULL,
  fingerprint text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (queue, task, state, fingerprint)
);

CREATE TABLE job_count_changes (
  queue text NOT NULL,
  task text NOT NULL,
  state text NOT NULL,
  fingerprint text NOT NULL,
  change integer NOT NULL
);

CREATE FUNCTION job_count_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled') THEN
    INSERT INTO job_count_changes (queue, task, state, fingerprint, change)
    VALUES (OLD.queue, OLD.task, OLD.state, CASE WHEN OLD.state IN ('failed', 'dead') THEN coalesce(OLD.error_fingerprint, '') ELSE '' END, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled') THEN
    INSERT INTO job_count_changes (queue, task, state, fingerprint, change)
    VALUES (NEW.queue, NEW.task, NEW.state, CASE WHEN NEW.state IN ('failed', 'dead') THEN coalesce(NEW.error_fingerprint, '') ELSE '' END, 1);
  END IF;
  RETURN NULL;
END
$$;

-- Created before the counts are read: the trigger's lock keeps jobs from changing until this
-- migration's transaction commits, so no change falls between the count and the trigger.
CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs FOR EACH ROW
  WHEN (NEW.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled'))
  EXECUTE FUNCTION job_count_changed();
CREATE TRIGGER job_counts_update AFTER UPDATE OF state, queue, task, error_fingerprint ON jobs FOR EACH ROW
  WHEN ((OLD.state IS DISTINCT FROM NEW.state OR OLD.queue IS DISTINCT FROM NEW.queue OR OLD.task IS DISTINCT FROM NEW.task
      OR OLD.error_fingerprint IS DISTINCT FROM NEW.error_fingerprint)
    AND (OLD.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled') OR NEW.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')))
  EXECUTE FUNCTION job_count_changed();
CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs FOR EACH ROW
  WHEN (OLD.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled'))
  EXECUTE FUNCTION job_count_changed();

INSERT INTO job_counts (queue, task, state, fingerprint, count)
SELECT queue, task, state, '', count(*) FROM jobs
WHERE state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
GROUP BY queue, task, state;
