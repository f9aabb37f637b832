-- Queue controls, version 2 (the same version as SQLite's 0002_queues). A queue has a row only once
-- an operator changed something about it; a queue without a row is running with no limits.

CREATE TABLE queues (
  name text PRIMARY KEY,
  -- Set while the queue is paused: workers claim nothing from it; running jobs finish.
  paused_at timestamptz,
  updated_at timestamptz NOT NULL
);
