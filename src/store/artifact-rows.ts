/** Artifact rows as both drivers return them, mapped to `ArtifactRecord`. */
import type { ArtifactRecord } from './store.js';

/** SQLite gives numbers; `pg` gives bigints as strings and times as Dates. */
export interface ArtifactRow {
  job_id: number | string;
  attempt: number;
  name: string;
  blob_key: string;
  size: number | string;
  content_type: string;
  sha256: string;
  created_at: number | Date;
}

export const ARTIFACT_COLUMNS = 'job_id, attempt, name, blob_key, size, content_type, sha256, created_at';

export function artifactFromRow(row: ArtifactRow): ArtifactRecord {
  return {
    jobId: String(row.job_id),
    attempt: row.attempt,
    name: row.name,
    blobKey: row.blob_key,
    size: Number(row.size),
    contentType: row.content_type,
    sha256: row.sha256,
    createdAt: new Date(row.created_at),
  };
}

/** The JSON an artifact event carries. */
export function artifactEventJson(artifact: ArtifactRecord): string {
  return JSON.stringify({ name: artifact.name, size: artifact.size, contentType: artifact.contentType });
}
