/**
 * Artifacts on PostgreSQL: their records (`store.artifacts`, table `artifacts`) and the bytes of the
 * default backend (`store.artifactChunks`, chunked `bytea` rows in `artifact_chunks`). One statement
 * each, on the pool.
 */
import { ARTIFACT_COLUMNS, artifactEventJson, artifactFromRow, type ArtifactRow } from '../store/artifact-rows.js';
import { parseJobId } from '../store/encoding.js';
import { boundedLimit, unique } from '../store/row-limits.js';
import type { ArtifactChunkStore, ArtifactCommitResult, ArtifactRecord, ArtifactStore } from '../store/store.js';
import type { PostgresAccess } from './access.js';
import { quoteIdentifier } from './queries.js';

function tables(schema: string) {
  const quoted = quoteIdentifier(schema);
  return { jobs: `${quoted}.jobs`, artifacts: `${quoted}.artifacts`, chunks: `${quoted}.artifact_chunks`, events: `${quoted}.job_events` };
}

export class PostgresArtifacts implements ArtifactStore {
  private readonly sql;

  constructor(
    private readonly db: PostgresAccess,
    schema: string,
  ) {
    const { jobs, artifacts, events } = tables(schema);
    this.sql = {
      // FOR SHARE holds the job's state until this commits: a lease recovery or an outcome waits, so
      // the record is added only while the attempt still holds the job. `existing` reads the snapshot
      // before the upsert, so it names the blob the upsert replaced.
      commit: `
WITH job AS (
  SELECT id, task, queue, state, attempt, progress_fraction, progress_message FROM ${jobs}
  WHERE id = $1 AND state = 'running' AND attempt = $2 AND worker_id = $3 FOR SHARE
), existing AS (
  SELECT blob_key FROM ${artifacts} WHERE job_id = $1 AND attempt = $2 AND name = $4
), upserted AS (
  INSERT INTO ${artifacts} (${ARTIFACT_COLUMNS})
  SELECT $1, $2, $4, $5, $6, $7, $8, $9 FROM job
  ON CONFLICT (job_id, attempt, name) DO UPDATE SET blob_key = excluded.blob_key, size = excluded.size,
    content_type = excluded.content_type, sha256 = excluded.sha256, created_at = excluded.created_at
  RETURNING 1
), logged AS (
  INSERT INTO ${events} (job_id, task, queue, state, attempt, progress_fraction, progress_message, at, artifact)
  SELECT id, task, queue, state, attempt, progress_fraction, progress_message, $10, $11::jsonb FROM job WHERE EXISTS (SELECT 1 FROM upserted)
)
SELECT (SELECT count(*) FROM upserted)::int AS committed, (SELECT blob_key FROM existing) AS replaced`,
      list: `SELECT ${ARTIFACT_COLUMNS} FROM ${artifacts} WHERE job_id = $1 ORDER BY attempt, name`,
      get: `SELECT ${ARTIFACT_COLUMNS} FROM ${artifacts} WHERE job_id = $1 AND name = $2 AND ($3::int IS NULL OR attempt = $3) ORDER BY attempt DESC LIMIT 1`,
      ofPrunedJobs: `SELECT ${ARTIFACT_COLUMNS} FROM ${artifacts} AS artifact WHERE NOT EXISTS (SELECT 1 FROM ${jobs} AS job WHERE job.id = artifact.job_id) LIMIT $1`,
      delete: `DELETE FROM ${artifacts} WHERE blob_key = ANY($1::text[])`,
      referenced: `SELECT blob_key FROM ${artifacts} WHERE blob_key = ANY($1::text[])`,
    };
  }

  async commit(params: { artifact: ArtifactRecord; workerId: string; now: Date }): Promise<ArtifactCommitResult> {
    const { artifact } = params;
    const jobId = parseJobId(artifact.jobId);
    if (jobId === null) return { committed: false };
    const row = await this.db.one<{ committed: number; replaced: string | null }>(this.db.pool, this.sql.commit, [
      jobId,
      artifact.attempt,
      params.workerId,
      artifact.name,
      artifact.blobKey,
      artifact.size,
      artifact.contentType,
      artifact.sha256,
      artifact.createdAt,
      params.now,
      artifactEventJson(artifact),
    ]);
    return row?.committed === 1 ? { committed: true, replacedBlobKey: row.replaced } : { committed: false };
  }

  async list(params: { jobId: string }): Promise<ArtifactRecord[]> {
    const jobId = parseJobId(params.jobId);
    return jobId === null ? [] : (await this.db.all<ArtifactRow>(this.db.pool, this.sql.list, [jobId])).map(artifactFromRow);
  }

  async get(params: { jobId: string; name: string; attempt: number | null }): Promise<ArtifactRecord | null> {
    const jobId = parseJobId(params.jobId);
    if (jobId === null) return null;
    const row = await this.db.one<ArtifactRow>(this.db.pool, this.sql.get, [jobId, params.name, params.attempt]);
    return row === undefined ? null : artifactFromRow(row);
  }

  async listOfPrunedJobs(params: { limit: number }): Promise<ArtifactRecord[]> {
    return (await this.db.all<ArtifactRow>(this.db.pool, this.sql.ofPrunedJobs, [boundedLimit(params.limit)])).map(artifactFromRow);
  }

  async delete(params: { blobKeys: readonly string[] }): Promise<number> {
    if (params.blobKeys.length === 0) return 0;
    return this.db.run(this.db.pool, this.sql.delete, [unique(params.blobKeys)]);
  }

  async referenced(params: { blobKeys: readonly string[] }): Promise<string[]> {
    if (params.blobKeys.length === 0) return [];
    return (await this.db.all<{ blob_key: string }>(this.db.pool, this.sql.referenced, [unique(params.blobKeys)])).map((row) => row.blob_key);
  }
}

export class PostgresArtifactChunks implements ArtifactChunkStore {
  private readonly sql;

  constructor(
    private readonly db: PostgresAccess,
    schema: string,
  ) {
    const { artifacts, chunks } = tables(schema);
    this.sql = {
      write: `INSERT INTO ${chunks} (blob_key, seq, byte_offset, data, written_at) VALUES ($1, $2, $3, $4, $5)`,
      read: `SELECT byte_offset, data FROM ${chunks} WHERE blob_key = $1 AND seq = $2`,
      seqAt: `SELECT seq FROM ${chunks} WHERE blob_key = $1 AND byte_offset <= $2 ORDER BY seq DESC LIMIT 1`,
      delete: `DELETE FROM ${chunks} WHERE blob_key = ANY($1::text[])`,
      deleteUnreferenced: `
WITH stale AS (
  SELECT blob_key FROM ${chunks} AS chunk
  WHERE seq = 0 AND written_at < $1 AND NOT EXISTS (SELECT 1 FROM ${artifacts} AS artifact WHERE artifact.blob_key = chunk.blob_key)
  LIMIT $2
), deleted AS (
  DELETE FROM ${chunks} WHERE blob_key IN (SELECT blob_key FROM stale) RETURNING 1
)
SELECT count(*)::int AS blobs FROM stale`,
    };
  }

  async write(params: { blobKey: string; seq: number; byteOffset: number; data: Uint8Array; now: Date }): Promise<void> {
    await this.db.run(this.db.pool, this.sql.write, [params.blobKey, params.seq, params.byteOffset, Buffer.from(params.data.buffer, params.data.byteOffset, params.data.byteLength), params.now]);
  }

  async read(params: { blobKey: string; seq: number }): Promise<{ byteOffset: number; data: Buffer } | null> {
    const row = await this.db.one<{ byte_offset: string; data: Buffer }>(this.db.pool, this.sql.read, [params.blobKey, params.seq]);
    return row === undefined ? null : { byteOffset: Number(row.byte_offset), data: row.data };
  }

  async seqAt(params: { blobKey: string; byteOffset: number }): Promise<number | null> {
    return (await this.db.one<{ seq: number }>(this.db.pool, this.sql.seqAt, [params.blobKey, params.byteOffset]))?.seq ?? null;
  }

  async delete(params: { blobKeys: readonly string[] }): Promise<number> {
    if (params.blobKeys.length === 0) return 0;
    return this.db.run(this.db.pool, this.sql.delete, [unique(params.blobKeys)]);
  }

  async deleteUnreferenced(params: { before: Date; limit: number }): Promise<number> {
    return (await this.db.one<{ blobs: number }>(this.db.pool, this.sql.deleteUnreferenced, [params.before, boundedLimit(params.limit)]))?.blobs ?? 0;
  }
}
