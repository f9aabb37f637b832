-- Queue controls, version 2. A queue has a row only once an operator changed something about it;
-- a queue without a row is running with no limits.

CREATE TABLE conveyor_queues (
  name TEXT PRIMARY KEY,
  -- Set while the queue is paused: workers claim nothing from it; running jobs finish.
  paused_at INTEGER,
  updated_at INTEGER NOT NULL
) STRICT;
