-- Workers, version 9: the handlers each worker reports as ignoring their abort signal.
--
-- A handler that ignores its AbortSignal after a timeout or cancel keeps its slot until it returns;
-- its worker records them at every heartbeat (a JSON array of {jobId, attempt, task, reason,
-- abortedAt}), so the dashboard, /metrics and GET /workers show them from any process.
ALTER TABLE conveyor_workers ADD COLUMN handlers_ignoring_abort TEXT NOT NULL DEFAULT '[]';
