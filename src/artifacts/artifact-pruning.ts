/**
 * Artifacts' share of maintenance: delete the artifacts of jobs retention pruned (bytes first, then
 * the records, so a crash in between leaves records to retry, never bytes no one can find), and sweep
 * the bytes of writes that were never recorded. Bounded batches, safe from many workers at once.
 */
import type { Store } from '../store/store.js';
import type { ArtifactBackend } from './backend.js';

/** Artifacts per batch: each may be large, and its bytes go in the same call. */
export const ARTIFACT_PRUNE_BATCH = 100;

/**
 * A write older than this with no record is abandoned: long enough for any write still running (the
 * store backend dates a blob by its first chunk), short enough that the space comes back the next day.
 */
export const ARTIFACT_SWEEP_AFTER_MS = 86_400_000;

/** How often a worker sweeps: a directory backend walks its files to sweep. */
export const ARTIFACT_SWEEP_INTERVAL_MS = 3_600_000;

/** Delete up to `batches` batches of artifacts whose job is gone; returns how many. */
export async function pruneArtifactsOfPrunedJobs(store: Store, backend: ArtifactBackend, batches: number): Promise<number> {
  let pruned = 0;
  for (let batch = 0; batch < batches; batch++) {
    const records = await store.artifacts.listOfPrunedJobs({ limit: ARTIFACT_PRUNE_BATCH });
    if (records.length === 0) break;
    const keys = records.map((record) => record.blobKey);
    await backend.delete(keys);
    pruned += await store.artifacts.delete({ blobKeys: keys });
    if (records.length < ARTIFACT_PRUNE_BATCH) break;
  }
  return pruned;
}

/** Delete up to `limit` unrecorded writes begun before `before`; returns how many. */
export async function sweepUnrecordedArtifacts(store: Store, backend: ArtifactBackend, before: Date, limit: number): Promise<number> {
  return backend.sweep({
    before,
    limit,
    referenced: async (keys) => {
      const referenced = await store.artifacts.referenced({ blobKeys: keys });
      return new Set(referenced);
    },
  });
}
