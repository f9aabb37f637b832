-- Workers, version 13: each worker's tasks as it defines them, a JSON array of {name, queue, input}
-- where input is {fingerprint, fields} of the input schema or null, written at registration, so
-- `conveyor doctor` can name one task name defined with two queues or two input schemas.
ALTER TABLE conveyor_workers ADD COLUMN task_shapes TEXT NOT NULL DEFAULT '[]';
