-- Workers, version 13 (as SQLite's 0013): each worker's tasks with their queue and input-schema
-- fingerprint, a JSON array of {name, queue, input}, written at registration. A constant default
-- adds the column without rewriting the table.
ALTER TABLE workers ADD COLUMN task_shapes jsonb NOT NULL DEFAULT '[]';
