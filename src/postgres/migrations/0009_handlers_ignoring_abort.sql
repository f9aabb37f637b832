-- Workers, version 9 (as SQLite's 0009): the handlers each worker reports as ignoring their abort
-- signal, recorded at every heartbeat as a JSON array of {jobId, attempt, task, reason, abortedAt}.
-- A constant default adds the column without rewriting the table.
ALTER TABLE workers ADD COLUMN handlers_ignoring_abort jsonb NOT NULL DEFAULT '[]';
