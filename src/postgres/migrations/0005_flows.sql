-- Flows, version 5 (the same version as SQLite's 0005_flows). A flow is a tree of jobs stored at once:
-- a job with children is 'waiting' until every child is finished, then settled (queued, or dead when
-- a child failed it). flow_id is the id of the flow's root (the root's is its own id); parent_id is
-- the job that waits for this one. Neither is a foreign key: a finished parent may be pruned before
-- its children, and a job keeps naming the flow it belonged to.

-- The state check of 0001 gains 'waiting'. Every migration runs in one transaction, so the ACCESS
-- EXCLUSIVE lock DROP CONSTRAINT takes is held to the end whatever follows: ADD … NOT VALID plus a
-- separate VALIDATE would save nothing here. A plain ADD reads the table once and rewrites nothing.
ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check
  CHECK (state IN ('waiting', 'scheduled', 'queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'));

-- Nullable columns and a constant default are recorded in the catalog only: no table rewrite.
ALTER TABLE jobs
  ADD COLUMN flow_id bigint,
  ADD COLUMN parent_id bigint,
  -- What a job with children does when one ends dead or cancelled: end dead itself, or run anyway.
  ADD COLUMN on_child_failure text NOT NULL DEFAULT 'fail' CHECK (on_child_failure IN ('fail', 'continue'));

-- A parent's children: settling checks them, jobChildList lists them, retry asks whether there are any.
CREATE INDEX jobs_children_idx ON jobs (parent_id, id)
  WHERE parent_id IS NOT NULL;

-- A flow's jobs, lowest id first (flowGet, flowCancel).
CREATE INDEX jobs_flow_idx ON jobs (flow_id, id)
  WHERE flow_id IS NOT NULL;

-- The sweep for waiting jobs a crash left with finished children (jobSettleWaiting).
CREATE INDEX jobs_waiting_idx ON jobs (id)
  WHERE state = 'waiting';
