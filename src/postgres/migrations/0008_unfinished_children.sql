-- Flows, version 8 (as SQLite's 0008): an index of unfinished children, and which jobs have children.
--
-- Whether a flow job can be settled is "no child unfinished". Read through jobs_children_idx, that
-- walked the parent's finished children until it met an unfinished one, and children finish about in
-- id order, so finishing a fan-in took time quadratic in its width. This index holds unfinished
-- children only (UNFINISHED_STATES of job.ts), so the check reads at most one entry. Only jobs with
-- a parent pay for its entries.
CREATE INDEX jobs_unfinished_child_idx ON jobs (parent_id)
  WHERE parent_id IS NOT NULL AND state IN ('waiting', 'scheduled', 'queued', 'running', 'failed');

-- Whether the job has children: a worker reads their outcomes (`ctx.children`) before running it, and
-- only then (it cost every leaf of a flow a round trip). Set when a flow is inserted; jobs stored
-- before this version get it from their children. A constant default adds the column without
-- rewriting the table.
ALTER TABLE jobs ADD COLUMN has_children boolean NOT NULL DEFAULT false;
UPDATE jobs SET has_children = true
WHERE id IN (SELECT parent_id FROM jobs WHERE parent_id IS NOT NULL);
