-- Durable steps, version 15 (`ctx.step`, `ctx.sleep`, `ctx.waitForEvent`): one row per step a job's
-- handler reached, by (job, name). A succeeded `run` step keeps its JSON output, so a later attempt
-- returns it without running the step again; a `sleep` keeps when it ends; a `wait` keeps the event
-- it waits for, its match and its deadline, then the event's payload. Written only while the attempt
-- holds the job's lease. Pruned with the job.
CREATE TABLE conveyor_job_steps (
  job_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('run', 'sleep', 'wait')),
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'sleeping', 'waiting', 'timed-out')),
  attempt INTEGER NOT NULL,
  output TEXT,
  error TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  until INTEGER,
  event TEXT,
  match TEXT,
  PRIMARY KEY (job_id, name)
);
-- `sendEvent` finds the waits for an event; maintenance the waits an event resolved lately.
CREATE INDEX conveyor_job_steps_waiting ON conveyor_job_steps (event) WHERE status = 'waiting';
CREATE INDEX conveyor_job_steps_resolved ON conveyor_job_steps (finished_at) WHERE kind = 'wait' AND status = 'succeeded';

-- Events sent with `sendEvent`, kept for a while so a wait that starts after its event still finds it.
CREATE TABLE conveyor_sent_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  payload TEXT NOT NULL,
  sent_at INTEGER NOT NULL
);
CREATE INDEX conveyor_sent_events_name ON conveyor_sent_events (name, sent_at);

-- A step's change shows in the job event log (GET /events), as JSON {name, kind, status}.
ALTER TABLE conveyor_job_events ADD COLUMN step TEXT;
