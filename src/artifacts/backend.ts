/**
 * Where artifacts' bytes live: one interface, shaped like an object store (write a key once, read it
 * whole or by range, delete), so an S3-compatible backend fits without changing callers. The records
 * (name, size, content type, digest, which job and attempt) are in the Conveyor store whatever the
 * backend; a backend only keeps bytes under keys Conveyor makes up.
 *
 * Two ship: `storeArtifactBackend` (the default: chunks in the Conveyor store itself, so `npm start`
 * needs nothing more) and `directoryArtifactBackend(path)` (a directory on a filesystem every worker
 * and server mounts). Both pass `src/testing/artifact-backend-conformance.ts`.
 */
import type { Readable } from 'node:stream';

/** Bytes `start` to `end`, both inclusive (as in an HTTP Range header). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ArtifactBackend {
  /** For logs and errors: `in the store`, `directory /mnt/artifacts`. */
  readonly description: string;
  /**
   * Store `chunks` under `key`, a key never used before. Resolves once every byte is durable;
   * rejects if `chunks` throws (a size limit, a source that failed), leaving what it wrote for
   * `sweep` or deleting it. Memory stays flat: chunks are written as they come.
   */
  write(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  /** The bytes under `key`, or the range of them, as a stream; it errors if the key has no bytes. */
  read(key: string, range: ByteRange | null): Readable;
  /** Delete the bytes under these keys; keys that have none are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /**
   * Delete up to `limit` keys whose write began before `before` and that no artifact record names
   * (`referenced` says which do): what a write cut short left. Returns how many it deleted.
   */
  sweep(params: { before: Date; limit: number; referenced: (keys: readonly string[]) => Promise<ReadonlySet<string>> }): Promise<number>;
}
