-- The job event log, version 7: one row per change of a job's state or progress, in the order the
-- changes committed, for `GET /events` (live streams that resume with Last-Event-ID). Triggers
-- write it, so no statement that changes a job can forget to.
-- SQLite takes one writer at a time, so `seq` order is commit order and a reader never sees a gap.
-- AUTOINCREMENT: a seq is never handed out twice, even after pruning empties the table, so a client
-- resuming from an old seq never skips new events that reuse it.
-- A later migration that rebuilds conveyor_jobs must create these triggers again.

CREATE TABLE conveyor_job_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id INTEGER NOT NULL,
  task TEXT NOT NULL,
  queue TEXT NOT NULL,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  progress_fraction REAL,
  progress_message TEXT,
  at INTEGER NOT NULL
);

CREATE TRIGGER conveyor_jobs_event_on_insert AFTER INSERT ON conveyor_jobs
BEGIN
  INSERT INTO conveyor_job_events (job_id, task, queue, state, attempt, progress_fraction, progress_message, at)
  VALUES (NEW.id, NEW.task, NEW.queue, NEW.state, NEW.attempt, NEW.progress_fraction, NEW.progress_message, NEW.updated_at);
END;

-- Lease extensions, cancel requests and the like change neither, and log nothing.
CREATE TRIGGER conveyor_jobs_event_on_update AFTER UPDATE OF state, progress_fraction, progress_message ON conveyor_jobs
WHEN NEW.state IS NOT OLD.state
  OR NEW.progress_fraction IS NOT OLD.progress_fraction
  OR NEW.progress_message IS NOT OLD.progress_message
BEGIN
  INSERT INTO conveyor_job_events (job_id, task, queue, state, attempt, progress_fraction, progress_message, at)
  VALUES (NEW.id, NEW.task, NEW.queue, NEW.state, NEW.attempt, NEW.progress_fraction, NEW.progress_message, NEW.updated_at);
END;
