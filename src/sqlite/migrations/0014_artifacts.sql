-- Artifacts, version 14: the files jobs produce (`ctx.artifacts.put`). `conveyor_artifacts` holds one
-- row per file a job's attempt wrote, added only once its bytes are all stored (so a worker killed
-- mid-write leaves nothing visible) and only while the attempt still holds the job's lease. The bytes
-- live where the artifact backend puts them, found by `blob_key`: by default in
-- `conveyor_artifact_chunks`, written in chunks (a streamed write holds one chunk in memory), or in a
-- directory. Retention prunes the rows of pruned jobs and their bytes in bounded batches.
CREATE TABLE conveyor_artifacts (
  job_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  name TEXT NOT NULL,
  blob_key TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, attempt, name)
);

-- Large rows: a rowid table (WITHOUT ROWID stores whole rows in the index b-tree), with the key
-- unique on (blob_key, seq). `byte_offset` is where the chunk starts, so a range read finds its
-- first chunk in one index lookup whatever size the chunks were written in.
CREATE TABLE conveyor_artifact_chunks (
  blob_key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL,
  data BLOB NOT NULL,
  written_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX conveyor_artifact_chunks_key ON conveyor_artifact_chunks (blob_key, seq);
CREATE INDEX conveyor_artifact_chunks_written ON conveyor_artifact_chunks (written_at) WHERE seq = 0;

-- An artifact written shows in the event log (GET /events), as JSON {name, size, contentType}.
ALTER TABLE conveyor_job_events ADD COLUMN artifact TEXT;
