-- OpenTelemetry trace context, version 16: the producer span's context (src/tracing/carrier.ts), so
-- each attempt's consumer span continues the trace that enqueued the job. NULL when the enqueuing
-- app had no tracing SDK. No index: it is only read with its job.
ALTER TABLE conveyor_jobs ADD COLUMN trace_context TEXT;
