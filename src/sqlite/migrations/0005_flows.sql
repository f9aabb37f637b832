-- Flows, version 5. A flow is a tree of jobs: a job with children is 'waiting' until every child is
-- finished, then runs (or ends dead when a child failed it). Each job of a flow names its flow (the
-- root's id) and its parent; the root's parent is NULL.
--
-- SQLite cannot change a CHECK constraint in place, so conveyor_jobs is rebuilt by the procedure its
-- documentation gives for schema changes ALTER TABLE cannot make (lang_altertable.html, "Making Other
-- Kinds Of Table Schema Changes"): create the new table, copy the rows, drop the old table, rename the
-- new one, recreate the indexes. The migration runner holds the BEGIN IMMEDIATE transaction around it.
-- No foreign key, view or trigger refers to conveyor_jobs, so the foreign-key steps have nothing to do.

CREATE TABLE conveyor_jobs_new (
  -- AUTOINCREMENT so the id of a pruned job is never handed to a new one.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task TEXT NOT NULL,
  queue TEXT NOT NULL,
  input TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'scheduled', 'queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
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
  updated_at INTEGER NOT NULL,
  concurrency_key TEXT,
  -- The flow's root job; the root names itself. NULL outside a flow.
  flow_id INTEGER,
  -- The job that waits for this one. No foreign key: a finished parent may be pruned before its children.
  parent_id INTEGER,
  -- For a job with children: end 'dead' when one ends dead or cancelled ('fail'), or run anyway ('continue').
  on_child_failure TEXT NOT NULL DEFAULT 'fail' CHECK (on_child_failure IN ('fail', 'continue'))
) STRICT;

INSERT INTO conveyor_jobs_new (
  id, task, queue, input, state, priority, run_at, attempt, max_attempts, dedup_key, progress_fraction,
  progress_message, result, errors, worker_id, lease_expires_at, cancel_requested_at, created_at,
  started_at, finished_at, updated_at, concurrency_key
)
SELECT
  id, task, queue, input, state, priority, run_at, attempt, max_attempts, dedup_key, progress_fraction,
  progress_message, result, errors, worker_id, lease_expires_at, cancel_requested_at, created_at,
  started_at, finished_at, updated_at, concurrency_key
FROM conveyor_jobs;

-- The copy set the new table's sequence to its highest copied id, which is lower than the old one's
-- when the newest jobs were pruned: carry the old high-water mark over (DROP TABLE deletes its row,
-- and RENAME renames the new table's).
DELETE FROM sqlite_sequence WHERE name = 'conveyor_jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'conveyor_jobs_new', seq FROM sqlite_sequence WHERE name = 'conveyor_jobs';

DROP TABLE conveyor_jobs;
ALTER TABLE conveyor_jobs_new RENAME TO conveyor_jobs;

-- Every index of versions 1 and 4, as they were (DROP TABLE dropped them).
CREATE INDEX conveyor_jobs_claim_idx ON conveyor_jobs (queue, priority DESC, run_at, id)
  WHERE state = 'queued';
CREATE INDEX conveyor_jobs_due_idx ON conveyor_jobs (run_at)
  WHERE state IN ('scheduled', 'failed');
CREATE INDEX conveyor_jobs_lease_idx ON conveyor_jobs (lease_expires_at)
  WHERE state = 'running';
CREATE INDEX conveyor_jobs_worker_idx ON conveyor_jobs (worker_id)
  WHERE state = 'running';
CREATE INDEX conveyor_jobs_finished_idx ON conveyor_jobs (state, finished_at)
  WHERE state IN ('succeeded', 'dead', 'cancelled');
CREATE INDEX conveyor_jobs_state_idx ON conveyor_jobs (state, id);
CREATE INDEX conveyor_jobs_task_idx ON conveyor_jobs (task, id);
CREATE INDEX conveyor_jobs_queue_idx ON conveyor_jobs (queue, id);
-- Flow jobs carry no dedup key, so 'waiting' need not join this list.
CREATE UNIQUE INDEX conveyor_jobs_dedup_idx ON conveyor_jobs (task, dedup_key)
  WHERE dedup_key IS NOT NULL AND state IN ('scheduled', 'queued', 'running', 'failed');
CREATE INDEX conveyor_jobs_running_key_idx ON conveyor_jobs (queue, concurrency_key)
  WHERE state = 'running';

-- Settling a parent and listing its children.
CREATE INDEX conveyor_jobs_parent_idx ON conveyor_jobs (parent_id, id)
  WHERE parent_id IS NOT NULL;

-- Reading and cancelling a whole flow.
CREATE INDEX conveyor_jobs_flow_idx ON conveyor_jobs (flow_id, id)
  WHERE flow_id IS NOT NULL;

-- The sweep that settles parents a crash left waiting with finished children.
CREATE INDEX conveyor_jobs_waiting_idx ON conveyor_jobs (id)
  WHERE state = 'waiting';
