-- Workers, version 12: what each worker found of the services its tasks need (their dependencies),
-- recorded at every heartbeat as a JSON array of {name, target, up, since, checkedAt, lastError,
-- tasks}, so /ready, /metrics and the dashboard show from any process which one is down, where,
-- since when and why.
ALTER TABLE conveyor_workers ADD COLUMN dependencies TEXT NOT NULL DEFAULT '[]';
