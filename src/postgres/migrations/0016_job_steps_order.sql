-- Steps listed in the order they started, version 16. `started_at` has millisecond precision, and
-- a job's no-op steps often start within one millisecond: `seq` orders those as they were first
-- written (an upsert keeps it). SQLite orders such ties by rowid, so it has no version 16.
ALTER TABLE job_steps ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
