-- Conveyor's SQLite schema, version 1.
-- Times are INTEGER milliseconds since the epoch; JSON values are TEXT.
-- STRICT makes SQLite reject a value of the wrong type instead of storing it silently.

CREATE TABLE conveyor_jobs (
  -- AUTOINCREMENT so the id of a pruned job is never handed to a new one.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task TEXT NOT NULL,
  queue TEXT NOT NULL,
  input TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('scheduled', 'queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
  priority INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
  dedup_key TEXT,
  progress_fraction REAL,
  progress_message TEXT,
  result TEXT,
  errors TEXT NOT NULL DEFAULT '[]',
  worker_id TEXT,
  lease_expires_at INTEGER,
  cancel_requested_at INTEGER,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  updated_at INTEGER NOT NULL
) STRICT;

-- Claim: walk queued jobs of one queue in claim order and stop after LIMIT rows,
-- however many jobs are queued or finished.
CREATE INDEX conveyor_jobs_claim_idx ON conveyor_jobs (queue, priority DESC, run_at, id)
  WHERE state = 'queued';

-- Promotion of scheduled jobs and retries whose run_at has come.
CREATE INDEX conveyor_jobs_due_idx ON conveyor_jobs (run_at)
  WHERE state IN ('scheduled', 'failed');

-- Lease recovery.
CREATE INDEX conveyor_jobs_lease_idx ON conveyor_jobs (lease_expires_at)
  WHERE state = 'running';

-- Heartbeats: the jobs one worker holds.
CREATE INDEX conveyor_jobs_worker_idx ON conveyor_jobs (worker_id)
  WHERE state = 'running';

-- Pruning: finished jobs by state and age.
CREATE INDEX conveyor_jobs_finished_idx ON conveyor_jobs (state, finished_at)
  WHERE state IN ('succeeded', 'dead', 'cancelled');

-- Listing and counting, newest first.
CREATE INDEX conveyor_jobs_state_idx ON conveyor_jobs (state, id);
CREATE INDEX conveyor_jobs_task_idx ON conveyor_jobs (task, id);
CREATE INDEX conveyor_jobs_queue_idx ON conveyor_jobs (queue, id);

-- A dedup key is unique among jobs that still have work ahead of them (UNFINISHED_STATES).
CREATE UNIQUE INDEX conveyor_jobs_dedup_idx ON conveyor_jobs (task, dedup_key)
  WHERE dedup_key IS NOT NULL AND state IN ('scheduled', 'queued', 'running', 'failed');

CREATE TABLE conveyor_workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  queues TEXT NOT NULL,
  tasks TEXT NOT NULL,
  concurrency INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_heartbeat_at INTEGER NOT NULL
) STRICT;
