-- Cron schedules, version 3 (the same version as SQLite's 0003_schedules). Each row enqueues its
-- task once per tick across every process: the process that moves next_run_at from the tick it saw
-- to the following one (compare-and-set) is the one that inserts the job, in the same transaction.

CREATE TABLE schedules (
  name text PRIMARY KEY,
  task text NOT NULL,
  queue text NOT NULL,
  -- 5 fields (minute precision) or 6 (with seconds first).
  cron text NOT NULL,
  -- IANA time zone the cron expression is read in, e.g. 'Europe/Berlin'.
  time_zone text NOT NULL,
  -- The job input.
  input json NOT NULL,
  -- What to do with ticks missed while nothing ran: 'skip' them, or 'run-once' for all of them.
  missed text NOT NULL CHECK (missed IN ('skip', 'run-once')),
  paused_at timestamptz,
  next_run_at timestamptz NOT NULL,
  last_run_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Firing: the schedules whose next tick has come.
CREATE INDEX schedules_due_idx ON schedules (next_run_at)
  WHERE paused_at IS NULL;
