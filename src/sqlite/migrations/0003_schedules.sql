-- Cron schedules, version 3. Each row enqueues its task once per tick across every process: the
-- process that moves next_run_at from the tick it saw to the following one (compare-and-set) is the
-- one that inserts the job, in the same transaction.

CREATE TABLE conveyor_schedules (
  name TEXT PRIMARY KEY,
  task TEXT NOT NULL,
  queue TEXT NOT NULL,
  -- 5 fields (minute precision) or 6 (with seconds first).
  cron TEXT NOT NULL,
  -- IANA time zone the cron expression is read in, e.g. 'Europe/Berlin'.
  time_zone TEXT NOT NULL,
  -- The job input, JSON text.
  input TEXT NOT NULL,
  -- What to do with ticks missed while nothing ran: 'skip' them, or 'run-once' for all of them.
  missed TEXT NOT NULL CHECK (missed IN ('skip', 'run-once')),
  paused_at INTEGER,
  next_run_at INTEGER NOT NULL,
  last_run_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Firing: the schedules whose next tick has come.
CREATE INDEX conveyor_schedules_due_idx ON conveyor_schedules (next_run_at)
  WHERE paused_at IS NULL;
