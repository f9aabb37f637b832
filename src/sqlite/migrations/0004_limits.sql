-- Queue limits, version 4. A queue row may carry limits that every claim of every process obeys
-- (NULL = no limit): running jobs in the queue, running jobs per concurrency key, and job starts per
-- interval. Claims of a limited queue read the counts and take jobs under one write lock.

ALTER TABLE conveyor_queues ADD COLUMN concurrency_limit INTEGER CHECK (concurrency_limit >= 1);
ALTER TABLE conveyor_queues ADD COLUMN key_concurrency_limit INTEGER CHECK (key_concurrency_limit >= 1);
ALTER TABLE conveyor_queues ADD COLUMN rate_limit INTEGER CHECK (rate_limit >= 1);
ALTER TABLE conveyor_queues ADD COLUMN rate_interval_ms INTEGER CHECK (rate_interval_ms >= 1);

-- The key a queue's per-key limit counts by (e.g. a tenant id); NULL = counted by no key.
ALTER TABLE conveyor_jobs ADD COLUMN concurrency_key TEXT;

-- Running jobs per queue and per (queue, key), counted by every claim of a limited queue.
CREATE INDEX conveyor_jobs_running_key_idx ON conveyor_jobs (queue, concurrency_key)
  WHERE state = 'running';

-- Recent starts of rate-limited queues: a claim counts those inside the interval and prunes older ones.
CREATE TABLE conveyor_queue_starts (
  queue TEXT NOT NULL,
  started_at INTEGER NOT NULL
) STRICT;
CREATE INDEX conveyor_queue_starts_idx ON conveyor_queue_starts (queue, started_at);
