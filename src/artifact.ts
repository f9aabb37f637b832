/**
 * Artifacts, the files jobs produce, as handlers and callers see them (the shared types; the
 * machinery is in `src/artifacts/`).
 */
import type { ArtifactRecord } from './store/store.js';

/** A Buffer or Uint8Array, a string (written as UTF-8), a Node Readable, or a web ReadableStream. */
export type ArtifactSource = Uint8Array | string | NodeJS.ReadableStream | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** An artifact as callers see it: its record without the backend's key. */
export interface Artifact {
  jobId: string;
  /** The attempt that wrote it. A failed attempt's artifacts are kept, under their attempt. */
  attempt: number;
  name: string;
  size: number;
  contentType: string;
  /** Hex SHA-256 of its bytes (its ETag over HTTP). */
  sha256: string;
  createdAt: Date;
}

export interface PutArtifactOptions {
  /** @default guessed from the name's extension (`text/csv; charset=utf-8` for `.csv`), else `application/octet-stream` */
  contentType?: string;
}

/** `ctx.artifacts`: the files this attempt writes. */
export interface TaskArtifacts {
  /**
   * Store `source` as this attempt's artifact `name`, streaming (memory stays flat whatever its
   * size), and resolve once it is stored and recorded. Writing a name again in one attempt replaces
   * it. Rejects with a `ConveyorArtifactError` for a bad name, a size past `maxBytes` or the attempt's
   * `maxJobBytes` (naming the limit), or an attempt that no longer holds the job; a store outage
   * rejects as the store's error. Nothing half-written is ever visible.
   */
  put(name: string, source: ArtifactSource, options?: PutArtifactOptions): Promise<Artifact>;
}

export function toArtifact(record: ArtifactRecord): Artifact {
  return { jobId: record.jobId, attempt: record.attempt, name: record.name, size: record.size, contentType: record.contentType, sha256: record.sha256, createdAt: record.createdAt };
}

/** A size for people: `512 B`, `1.5 KiB`, `12.3 MiB` (powers of 1024, one decimal under 100). */
export function formatByteSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
