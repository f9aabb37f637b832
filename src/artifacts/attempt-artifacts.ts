/**
 * `ctx.artifacts` of one attempt: each `put` streams the source through a meter (size, SHA-256, the
 * limits) into the backend under a fresh key, then records it in the store, fenced by the attempt's
 * lease. The record is what makes an artifact visible, so a write cut short (a crash, a limit, a
 * store outage) leaves only unnamed bytes, which the backend's sweep deletes later.
 */
import { randomUUID } from 'node:crypto';
import { ConveyorArtifactError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { toArtifact, type Artifact, type ArtifactSource, type PutArtifactOptions, type TaskArtifacts } from '../artifact.js';
import { meter, sourceChunks } from './chunks.js';
import { checkArtifactName, contentTypeFor } from './names.js';
import type { ArtifactSettings } from './settings.js';

export interface AttemptRef {
  jobId: string;
  attempt: number;
  workerId: string;
}

export class AttemptArtifacts implements TaskArtifacts {
  /** Bytes this attempt's artifacts hold, those being written included, against `maxJobBytes`. */
  private attemptBytes = 0;
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly settings: ArtifactSettings,
    private readonly ref: AttemptRef,
    private readonly logger: Logger,
  ) {}

  async put(name: string, source: ArtifactSource, options: PutArtifactOptions = {}): Promise<Artifact> {
    const where = `ctx.artifacts.put(${JSON.stringify(name)})`;
    checkArtifactName(name, 'ctx.artifacts.put(name)');
    const contentType = options.contentType ?? contentTypeFor(name);
    if (typeof contentType !== 'string' || contentType === '' || contentType.length > 255 || /[\r\n]/.test(contentType)) {
      throw new ConveyorArtifactError(`${where}: contentType ${JSON.stringify(contentType)} is not a media type; give one such as 'text/csv'`);
    }
    const { jobId, attempt, workerId } = this.ref;
    const { maxBytes, maxJobBytes, backend } = this.settings;
    const blobKey = `job-${jobId}/${attempt}-${randomUUID()}`;
    let written = 0;
    const metered = meter(sourceChunks(source, where), maxBytes, (limit) => `${where}: the artifact is larger than maxBytes, ${limit} bytes; raise the worker's artifacts.maxBytes or write less`);
    // The artifact it replaces (same name) stops counting once this one is recorded: not against it.
    const replacing = this.sizes.get(name) ?? 0;
    const counted = this.countAgainstJobLimit(metered.chunks, where, maxJobBytes + replacing, (bytes) => (written += bytes));
    try {
      const fromSource = new WeakSet<object>();
      try {
        await backend.write(blobKey, tagErrors(counted, fromSource));
      } catch (error) {
        await this.deleteQuietly(blobKey);
        // The source's own errors and the limits pass as they are; the backend's are said to be its.
        if (typeof error === 'object' && error !== null && fromSource.has(error)) throw error;
        throw new ConveyorArtifactError(`${where}: storing its bytes ${backend.description} failed (${written} bytes read from the source): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const { size, sha256 } = metered.result();
      const now = new Date();
      const record = { jobId, attempt, name, blobKey, size, contentType, sha256, createdAt: now };
      // A commit that throws may still have committed (the answer was lost): its bytes stay, and the
      // sweep deletes them later only if no record names them.
      const committed = await this.store.artifacts.commit({ artifact: record, workerId, now });
      if (!committed.committed) {
        await this.deleteQuietly(blobKey);
        throw new ConveyorArtifactError(`${where}: job ${jobId} attempt ${attempt} no longer holds the job (its lease was lost, or it was cancelled or timed out), so the artifact was not recorded`);
      }
      if (committed.replacedBlobKey !== null) await this.deleteQuietly(committed.replacedBlobKey);
      this.attemptBytes -= this.sizes.get(name) ?? 0;
      this.sizes.set(name, size);
      written = 0; // counted from now on under its name
      return toArtifact(record);
    } finally {
      this.attemptBytes -= written;
    }
  }

  private async *countAgainstJobLimit(chunks: AsyncIterable<Uint8Array>, where: string, limit: number, wrote: (bytes: number) => void): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      this.attemptBytes += chunk.byteLength;
      wrote(chunk.byteLength);
      if (this.attemptBytes > limit) throw new ConveyorArtifactError(`${where}: this attempt's artifacts together pass maxJobBytes, ${limit} bytes; raise the worker's artifacts.maxJobBytes or write less`);
      yield chunk;
    }
  }

  /** Bytes no record names are swept later anyway: a failed delete is logged, not thrown over the real error. */
  private async deleteQuietly(blobKey: string): Promise<void> {
    try {
      await this.settings.backend.delete([blobKey]);
    } catch (error) {
      this.logger.warn({ err: error, blobKey }, 'could not delete the bytes of an artifact not kept; the maintenance sweep will');
    }
  }
}

/** The chunks of `source`, remembering in `thrown` any error it throws (so it can be told from the backend's). */
async function* tagErrors(source: AsyncIterable<Uint8Array>, thrown: WeakSet<object>): AsyncGenerator<Uint8Array> {
  try {
    yield* source;
  } catch (error) {
    if (typeof error === 'object' && error !== null) thrown.add(error);
    throw error;
  }
}
