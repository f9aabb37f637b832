-- Fewer indexes on jobs, version 6 (PostgreSQL only: SQLite's 0006 is empty).
-- A claim or an outcome changes `state`, so PostgreSQL cannot make it a HOT update: it adds an entry
-- to every index of the table whose predicate the new row matches, whether or not that index's
-- columns changed. Each of these was paid twice per job (claim, then outcome), for listings:
--   jobs_task_idx (task, id) and jobs_queue_idx (queue, id): keys that never change;
--   jobs_state_idx (state, id): replaced by one that leaves out the hot states (queued, running,
--   succeeded). Listing those walks the primary key newest first (they are the common case, so
--   matches come quickly), the claim index (queued) or the running-job indexes (running);
--   jobs_running_key_idx (queue, concurrency_key): limited claims count running jobs through
--   jobs_worker_idx instead (a running job's row is read anyway; running jobs are at most the
--   workers' total concurrency).
-- A claim now writes three index entries (primary key, lease, worker) and a success two (primary
-- key, finished), against seven and five before.

DROP INDEX jobs_task_idx;
DROP INDEX jobs_queue_idx;
DROP INDEX jobs_state_idx;
DROP INDEX jobs_running_key_idx;

-- Listing and counting jobs in the states an operator looks for and that are rarely the majority.
CREATE INDEX jobs_state_idx ON jobs (state, id)
  WHERE state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled');
