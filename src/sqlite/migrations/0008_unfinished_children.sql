-- Flows, version 8: an index of unfinished children, and which jobs have children.
--
-- Whether a flow job can be settled is "no child unfinished". Read through conveyor_jobs_parent_idx,
-- that walked the parent's finished children until it met an unfinished one, and children finish
-- about in id order: the k-th finish of a fan-in read about k finished siblings, so finishing a
-- 9,999-child fan-in took 7 s where as many lone jobs take 0.5 s. This index holds unfinished
-- children only (the predicate is UNFINISHED_STATES of job.ts, word for word as the statements of
-- flow-queries.ts repeat it), so the check reads at most one entry.
CREATE INDEX conveyor_jobs_unfinished_child_idx ON conveyor_jobs (parent_id)
  WHERE parent_id IS NOT NULL AND state IN ('waiting', 'scheduled', 'queued', 'running', 'failed');

-- Whether the job has children: a worker reads their outcomes (`ctx.children`) before running it, and
-- only then. Set when a flow is inserted; jobs stored before this version get it from their children.
ALTER TABLE conveyor_jobs ADD COLUMN has_children INTEGER NOT NULL DEFAULT 0 CHECK (has_children IN (0, 1));
UPDATE conveyor_jobs SET has_children = 1
WHERE id IN (SELECT parent_id FROM conveyor_jobs WHERE parent_id IS NOT NULL);
