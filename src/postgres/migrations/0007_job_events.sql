-- The job event log, version 7: one row per change of a job's state or progress, for `GET /events`
-- (live streams that resume with Last-Event-ID). Statement-level triggers write it, one set-based
-- INSERT per statement that changes jobs, so no statement can forget to.
--
-- UNLOGGED: events are a live feed, not the record (the jobs table is). Writing them costs no WAL;
-- after a PostgreSQL crash the table starts empty, and a client resuming from before the crash is
-- told to refetch (a `reset` event). The sequence is logged, so a seq is never handed out twice.
--
-- A seq is drawn when a statement runs, and its transaction may commit after one with a higher seq:
-- readers hold back at a gap for a moment before they pass it (see src/server/job-event-cursor.ts).

CREATE SEQUENCE job_event_seq;

CREATE UNLOGGED TABLE job_events (
  seq bigint PRIMARY KEY DEFAULT nextval('job_event_seq'),
  job_id bigint NOT NULL,
  task text NOT NULL,
  queue text NOT NULL,
  state text NOT NULL,
  attempt integer NOT NULL,
  progress_fraction double precision,
  progress_message text,
  at timestamptz NOT NULL
);

-- search_path is fixed to this schema when the function is created: triggers run under the caller's.
CREATE FUNCTION job_events_on_insert() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO job_events (job_id, task, queue, state, attempt, progress_fraction, progress_message, at)
  SELECT id, task, queue, state, attempt, progress_fraction, progress_message, updated_at
  FROM inserted_jobs ORDER BY id;
  RETURN NULL;
END $$;

-- Lease extensions, cancel requests and the like change neither state nor progress, and log nothing.
CREATE FUNCTION job_events_on_update() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO job_events (job_id, task, queue, state, attempt, progress_fraction, progress_message, at)
  SELECT n.id, n.task, n.queue, n.state, n.attempt, n.progress_fraction, n.progress_message, n.updated_at
  FROM updated_jobs n JOIN previous_jobs o ON o.id = n.id
  WHERE n.state IS DISTINCT FROM o.state
     OR n.progress_fraction IS DISTINCT FROM o.progress_fraction
     OR n.progress_message IS DISTINCT FROM o.progress_message
  ORDER BY n.id;
  RETURN NULL;
END $$;

CREATE TRIGGER jobs_events_on_insert AFTER INSERT ON jobs
  REFERENCING NEW TABLE AS inserted_jobs
  FOR EACH STATEMENT EXECUTE FUNCTION job_events_on_insert();

CREATE TRIGGER jobs_events_on_update AFTER UPDATE ON jobs
  REFERENCING OLD TABLE AS previous_jobs NEW TABLE AS updated_jobs
  FOR EACH STATEMENT EXECUTE FUNCTION job_events_on_update();
