/**
 * Artifacts on SQLite: their records (`store.artifacts`, table `conveyor_artifacts`) and the bytes of
 * the default backend (`store.artifactChunks`, table `conveyor_artifact_chunks`). One statement or one
 * BEGIN IMMEDIATE transaction each.
 */
import { ARTIFACT_COLUMNS, artifactEventJson, artifactFromRow, type ArtifactRow } from '../store/artifact-rows.js';
import { parseJobId } from '../store/encoding.js';
import { boundedLimit, unique } from '../store/row-limits.js';
import type { ArtifactChunkStore, ArtifactCommitResult, ArtifactRecord, ArtifactStore } from '../store/store.js';
import type { PreparedStatements } from './statements.js';

const FENCE = `SELECT 1 AS held FROM conveyor_jobs WHERE id = @jobId AND state = 'running' AND attempt = @attempt AND worker_id = @workerId`;
const EXISTING = `SELECT blob_key FROM conveyor_artifacts WHERE job_id = @jobId AND attempt = @attempt AND name = @name`;
const UPSERT = `
INSERT INTO conveyor_artifacts (${ARTIFACT_COLUMNS})
VALUES (@jobId, @attempt, @name, @blobKey, @size, @contentType, @sha256, @createdAt)
ON CONFLICT (job_id, attempt, name) DO UPDATE SET blob_key = excluded.blob_key, size = excluded.size,
  content_type = excluded.content_type, sha256 = excluded.sha256, created_at = excluded.created_at`;
const LOG_EVENT = `
INSERT INTO conveyor_job_events (job_id, task, queue, state, attempt, progress_fraction, progress_message, at, artifact)
SELECT id, task, queue, state, attempt, progress_fraction, progress_message, @now, @artifact FROM conveyor_jobs WHERE id = @jobId`;
const LIST = `SELECT ${ARTIFACT_COLUMNS} FROM conveyor_artifacts WHERE job_id = @jobId ORDER BY attempt, name`;
const GET_OF_ATTEMPT = `SELECT ${ARTIFACT_COLUMNS} FROM conveyor_artifacts WHERE job_id = @jobId AND name = @name AND attempt = @attempt`;
const GET_LATEST = `SELECT ${ARTIFACT_COLUMNS} FROM conveyor_artifacts WHERE job_id = @jobId AND name = @name ORDER BY attempt DESC LIMIT 1`;
const OF_PRUNED_JOBS = `
SELECT ${ARTIFACT_COLUMNS} FROM conveyor_artifacts AS artifact
WHERE NOT EXISTS (SELECT 1 FROM conveyor_jobs AS job WHERE job.id = artifact.job_id)
LIMIT @limit`;

const CHUNK_WRITE = `
INSERT INTO conveyor_artifact_chunks (blob_key, seq, byte_offset, data, written_at) VALUES (@blobKey, @seq, @byteOffset, @data, @now)`;
const CHUNK_READ = `SELECT byte_offset, data FROM conveyor_artifact_chunks WHERE blob_key = @blobKey AND seq = @seq`;
const CHUNK_SEQ_AT = `
SELECT seq FROM conveyor_artifact_chunks WHERE blob_key = @blobKey AND byte_offset <= @byteOffset ORDER BY seq DESC LIMIT 1`;
const UNREFERENCED = `
SELECT blob_key FROM conveyor_artifact_chunks AS chunk
WHERE seq = 0 AND written_at < @before
  AND NOT EXISTS (SELECT 1 FROM conveyor_artifacts AS artifact WHERE artifact.blob_key = chunk.blob_key)
LIMIT @limit`;

/** Keys per DELETE: SQLite binds at most 32,766 parameters; a json_each list needs one. */
function keysJson(keys: readonly string[]): string {
  return JSON.stringify(unique(keys));
}

export class SqliteArtifacts implements ArtifactStore {
  constructor(private readonly db: PreparedStatements) {}

  async commit(params: { artifact: ArtifactRecord; workerId: string; now: Date }): Promise<ArtifactCommitResult> {
    const { artifact } = params;
    const jobId = parseJobId(artifact.jobId);
    if (jobId === null) return { committed: false };
    const key = { jobId, attempt: artifact.attempt };
    return this.db.immediate(() => {
      if (this.db.get(FENCE, { ...key, workerId: params.workerId }) === undefined) return { committed: false } as const;
      const existing = this.db.get<{ blob_key: string }>(EXISTING, { ...key, name: artifact.name });
      this.db.run(UPSERT, {
        ...key,
        name: artifact.name,
        blobKey: artifact.blobKey,
        size: artifact.size,
        contentType: artifact.contentType,
        sha256: artifact.sha256,
        createdAt: artifact.createdAt.getTime(),
      });
      this.db.run(LOG_EVENT, { jobId, now: params.now.getTime(), artifact: artifactEventJson(artifact) });
      return { committed: true, replacedBlobKey: existing?.blob_key ?? null } as const;
    });
  }

  async list(params: { jobId: string }): Promise<ArtifactRecord[]> {
    const jobId = parseJobId(params.jobId);
    return jobId === null ? [] : this.db.all<ArtifactRow>(LIST, { jobId }).map(artifactFromRow);
  }

  async get(params: { jobId: string; name: string; attempt: number | null }): Promise<ArtifactRecord | null> {
    const jobId = parseJobId(params.jobId);
    if (jobId === null) return null;
    const row = params.attempt === null ? this.db.get<ArtifactRow>(GET_LATEST, { jobId, name: params.name }) : this.db.get<ArtifactRow>(GET_OF_ATTEMPT, { jobId, name: params.name, attempt: params.attempt });
    return row === undefined ? null : artifactFromRow(row);
  }

  async listOfPrunedJobs(params: { limit: number }): Promise<ArtifactRecord[]> {
    return this.db.all<ArtifactRow>(OF_PRUNED_JOBS, { limit: boundedLimit(params.limit) }).map(artifactFromRow);
  }

  async delete(params: { blobKeys: readonly string[] }): Promise<number> {
    if (params.blobKeys.length === 0) return 0;
    return this.db.run(`DELETE FROM conveyor_artifacts WHERE blob_key IN (SELECT value FROM json_each(@keys))`, { keys: keysJson(params.blobKeys) });
  }

  async referenced(params: { blobKeys: readonly string[] }): Promise<string[]> {
    if (params.blobKeys.length === 0) return [];
    return this.db.all<{ blob_key: string }>(`SELECT blob_key FROM conveyor_artifacts WHERE blob_key IN (SELECT value FROM json_each(@keys))`, { keys: keysJson(params.blobKeys) }).map((row) => row.blob_key);
  }
}

export class SqliteArtifactChunks implements ArtifactChunkStore {
  constructor(private readonly db: PreparedStatements) {}

  async write(params: { blobKey: string; seq: number; byteOffset: number; data: Uint8Array; now: Date }): Promise<void> {
    this.db.run(CHUNK_WRITE, { blobKey: params.blobKey, seq: params.seq, byteOffset: params.byteOffset, data: params.data, now: params.now.getTime() });
  }

  async read(params: { blobKey: string; seq: number }): Promise<{ byteOffset: number; data: Buffer } | null> {
    const row = this.db.get<{ byte_offset: number; data: Buffer }>(CHUNK_READ, params);
    return row === undefined ? null : { byteOffset: row.byte_offset, data: row.data };
  }

  async seqAt(params: { blobKey: string; byteOffset: number }): Promise<number | null> {
    return this.db.get<{ seq: number }>(CHUNK_SEQ_AT, params)?.seq ?? null;
  }

  async delete(params: { blobKeys: readonly string[] }): Promise<number> {
    if (params.blobKeys.length === 0) return 0;
    return this.db.run(`DELETE FROM conveyor_artifact_chunks WHERE blob_key IN (SELECT value FROM json_each(@keys))`, { keys: keysJson(params.blobKeys) });
  }

  async deleteUnreferenced(params: { before: Date; limit: number }): Promise<number> {
    return this.db.immediate(() => {
      const keys = this.db.all<{ blob_key: string }>(UNREFERENCED, { before: params.before.getTime(), limit: boundedLimit(params.limit) }).map((row) => row.blob_key);
      if (keys.length > 0) this.db.run(`DELETE FROM conveyor_artifact_chunks WHERE blob_key IN (SELECT value FROM json_each(@keys))`, { keys: keysJson(keys) });
      return keys.length;
    });
  }
}
