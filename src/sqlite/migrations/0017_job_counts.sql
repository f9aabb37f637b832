-- Kept job counts, version 17 (src/store/kept-counts.ts). One row per (queue, task, state) for the
-- states jobs pile up in, changed by triggers in the same transaction as every insert, state change
-- and delete of a job, so the overview, the queue pages and a bulk action's confirm page read one
-- row per group instead of an index entry per job (bench:dashboard: 31 ms at 1,000,000 jobs). The
-- hot path (insert as queued, claim, succeed) changes no kept state, so its WHEN clauses are false
-- and it writes nothing more. A migration that rebuilds conveyor_jobs must recreate these triggers.
CREATE TABLE conveyor_job_counts (
  queue TEXT NOT NULL,
  task TEXT NOT NULL,
  state TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (queue, task, state)
) WITHOUT ROWID;

INSERT INTO conveyor_job_counts (queue, task, state, count)
SELECT queue, task, state, count(*) FROM conveyor_jobs
WHERE state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
GROUP BY queue, task, state;

CREATE TRIGGER conveyor_job_counts_insert AFTER INSERT ON conveyor_jobs
WHEN new.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
BEGIN
  INSERT INTO conveyor_job_counts (queue, task, state, count) VALUES (new.queue, new.task, new.state, 1)
  ON CONFLICT (queue, task, state) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER conveyor_job_counts_update AFTER UPDATE OF state, queue, task ON conveyor_jobs
WHEN (old.state IS NOT new.state OR old.queue IS NOT new.queue OR old.task IS NOT new.task)
  AND (old.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled') OR new.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled'))
BEGIN
  UPDATE conveyor_job_counts SET count = count - 1
  WHERE old.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled') AND queue = old.queue AND task = old.task AND state = old.state;
  INSERT INTO conveyor_job_counts (queue, task, state, count)
  SELECT new.queue, new.task, new.state, 1 WHERE new.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
  ON CONFLICT (queue, task, state) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER conveyor_job_counts_delete AFTER DELETE ON conveyor_jobs
WHEN old.state IN ('waiting', 'scheduled', 'failed', 'dead', 'cancelled')
BEGIN
  UPDATE conveyor_job_counts SET count = count - 1 WHERE queue = old.queue AND task = old.task AND state = old.state;
END;
