-- Workers, version 12 (as SQLite's 0012): the dependency checks each worker reports at every
-- heartbeat, a JSON array of {name, target, up, since, checkedAt, lastError, tasks}. A constant
-- default adds the column without rewriting the table.
ALTER TABLE workers ADD COLUMN dependencies jsonb NOT NULL DEFAULT '[]';
