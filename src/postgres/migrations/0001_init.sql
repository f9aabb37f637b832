-- Conveyor's PostgreSQL schema, version 1 (the same version as SQLite's 0001_init).
-- Names are unqualified: the migration runner sets search_path to the store's schema
-- (default "conveyor") for the transaction that applies it.
-- input and result are json (kept as written); errors is jsonb (appended to with ||).

CREATE TABLE jobs (
  -- An identity never hands the id of a pruned job to a new one.
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task text NOT NULL,
  queue text NOT NULL,
  input json NOT NULL,
  state text NOT NULL CHECK (state IN ('scheduled', 'queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
  priority integer NOT NULL,
  run_at timestamptz NOT NULL,
  attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts integer NOT NULL CHECK (max_attempts >= 1),
  dedup_key text,
  progress_fraction double precision,
  progress_message text,
  result json,
  errors jsonb NOT NULL DEFAULT '[]',
  worker_id text,
  lease_expires_at timestamptz,
  cancel_requested_at timestamptz,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL
);

-- Claim: walk queued jobs of one queue in claim order and stop after LIMIT rows,
-- however many jobs are queued or finished.
CREATE INDEX jobs_claim_idx ON jobs (queue, priority DESC, run_at, id)
  WHERE state = 'queued';

-- Promotion of scheduled jobs and retries whose run_at has come.
CREATE INDEX jobs_due_idx ON jobs (run_at)
  WHERE state IN ('scheduled', 'failed');

-- Lease recovery.
CREATE INDEX jobs_lease_idx ON jobs (lease_expires_at)
  WHERE state = 'running';

-- Heartbeats: the jobs one worker holds.
CREATE INDEX jobs_worker_idx ON jobs (worker_id)
  WHERE state = 'running';

-- Pruning: finished jobs by state and age.
CREATE INDEX jobs_finished_idx ON jobs (state, finished_at)
  WHERE state IN ('succeeded', 'dead', 'cancelled');

-- Listing and counting, newest first.
CREATE INDEX jobs_state_idx ON jobs (state, id);
CREATE INDEX jobs_task_idx ON jobs (task, id);
CREATE INDEX jobs_queue_idx ON jobs (queue, id);

-- A dedup key is unique among jobs that still have work ahead of them (UNFINISHED_STATES).
CREATE UNIQUE INDEX jobs_dedup_idx ON jobs (task, dedup_key)
  WHERE dedup_key IS NOT NULL AND state IN ('scheduled', 'queued', 'running', 'failed');

CREATE TABLE workers (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  queues text[] NOT NULL,
  tasks text[] NOT NULL,
  concurrency integer NOT NULL,
  started_at timestamptz NOT NULL,
  last_heartbeat_at timestamptz NOT NULL
);
