-- Queue limits, version 4 (the same version as SQLite's 0004_limits). A queue row may carry limits
-- that every claim of every process obeys (NULL = no limit): running jobs in the queue, running jobs
-- per concurrency key, and job starts per interval. Claims of a limited queue lock its row first.

ALTER TABLE queues
  ADD COLUMN concurrency_limit integer CHECK (concurrency_limit >= 1),
  ADD COLUMN key_concurrency_limit integer CHECK (key_concurrency_limit >= 1),
  ADD COLUMN rate_limit integer CHECK (rate_limit >= 1),
  ADD COLUMN rate_interval_ms integer CHECK (rate_interval_ms >= 1);

-- The key a queue's per-key limit counts by (e.g. a tenant id); NULL = counted by no key.
ALTER TABLE jobs ADD COLUMN concurrency_key text;

-- Running jobs per queue and per (queue, key), counted by every claim of a limited queue.
CREATE INDEX jobs_running_key_idx ON jobs (queue, concurrency_key)
  WHERE state = 'running';

-- Recent starts of rate-limited queues: a claim counts those inside the interval and prunes older ones.
CREATE TABLE queue_starts (
  queue text NOT NULL,
  started_at timestamptz NOT NULL
);
CREATE INDEX queue_starts_idx ON queue_starts (queue, started_at);
