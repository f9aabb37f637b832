-- Artifacts, version 14 (as SQLite's 0014): one row per file a job's attempt wrote, added once its
-- bytes are all stored and only while the attempt holds the lease; the bytes where the backend puts
-- them, by default chunked bytea rows in `artifact_chunks` (chosen over large objects: plain rows are
-- deleted with ordinary DELETEs in bounded batches, need no lo_unlink bookkeeping, and stream in
-- chunks just as well; see bench/artifacts.ts for the figures).
CREATE TABLE artifacts (
  job_id bigint NOT NULL,
  attempt integer NOT NULL,
  name text NOT NULL,
  blob_key text NOT NULL UNIQUE,
  size bigint NOT NULL,
  content_type text NOT NULL,
  sha256 text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (job_id, attempt, name)
);

CREATE TABLE artifact_chunks (
  blob_key text NOT NULL,
  seq integer NOT NULL,
  byte_offset bigint NOT NULL,
  data bytea NOT NULL,
  written_at timestamptz NOT NULL,
  PRIMARY KEY (blob_key, seq)
);
-- Compressed or not, TOAST would try: most artifacts (archives, images, exports) do not shrink.
ALTER TABLE artifact_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX artifact_chunks_written ON artifact_chunks (written_at) WHERE seq = 0;

ALTER TABLE job_events ADD COLUMN artifact jsonb;
