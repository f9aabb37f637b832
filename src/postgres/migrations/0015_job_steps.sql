-- Durable steps, version 15 (as SQLite's 0015): one row per step a job's handler reached, by (job,
-- name); the events `sendEvent` sent, kept for a while for waits that start after them.
CREATE TABLE job_steps (
  job_id bigint NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('run', 'sleep', 'wait')),
  status text NOT NULL CHECK (status IN ('succeeded', 'failed', 'sleeping', 'waiting', 'timed-out')),
  attempt integer NOT NULL,
  output text,
  error jsonb,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  until timestamptz,
  event text,
  match text,
  PRIMARY KEY (job_id, name)
);
CREATE INDEX job_steps_waiting ON job_steps (event) WHERE status = 'waiting';
CREATE INDEX job_steps_resolved ON job_steps (finished_at) WHERE kind = 'wait' AND status = 'succeeded';

CREATE TABLE sent_events (
  seq bigserial PRIMARY KEY,
  name text NOT NULL,
  payload text NOT NULL,
  sent_at timestamptz NOT NULL
);
CREATE INDEX sent_events_name ON sent_events (name, sent_at);

ALTER TABLE job_events ADD COLUMN step jsonb;
