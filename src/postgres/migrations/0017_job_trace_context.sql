-- OpenTelemetry trace context, version 17 (SQLite's 0016: PostgreSQL's 0016 orders job steps): the
-- producer span's context (src/tracing/carrier.ts), so each attempt's consumer span continues the
-- trace that enqueued the job. NULL when the enqueuing app had no tracing SDK. No index: it is only
-- read with its job.
ALTER TABLE jobs ADD COLUMN trace_context text;
