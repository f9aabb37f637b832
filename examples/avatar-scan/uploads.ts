/**
 * Where uploads live on disk: one folder per upload under `<dataDir>/uploads/<uploadId>/`, holding
 *
 * - `original`: the bytes as received, never parsed before the scan has passed them;
 * - `upload.json`: what the app knows of it (size, type, the flow scanning it);
 * - `published.json`: written by the publish step, the record that makes the avatar visible.
 *
 * A stand-in for an object store and a table of the app's own database: the tasks and the app read
 * and write only through this module.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the app recorded when it accepted an upload. */
export interface UploadRecord {
  uploadId: string;
  /** The flow scan → resize → publish of this upload (its root job's id). */
  flowId: string;
  bytes: number;
  contentType: string;
  fileName: string | null;
  receivedAt: string;
}

/** One thumbnail of a published avatar: an artifact of the resize job. */
export interface PublishedThumbnail {
  /** The artifact's name, e.g. `avatar-128.webp`. */
  name: string;
  /** The job that wrote it (the resize step), where its bytes are read from. */
  jobId: string;
  width: number;
  height: number;
  bytes: number;
}

/** The record of a published avatar. */
export interface PublishedRecord {
  uploadId: string;
  publishedAt: string;
  thumbnails: PublishedThumbnail[];
}

/** Upload ids are UUIDs: anything else in a path or a job input is refused before it reaches the disk. */
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUploadId(value: string): boolean {
  return UPLOAD_ID.test(value);
}

export class UploadFolder {
  constructor(readonly dataDir: string) {}

  newUploadId(): string {
    return randomUUID();
  }

  /** Store the bytes of a new upload; its record follows once its flow is enqueued (`saveRecord`). */
  async saveOriginal(uploadId: string, bytes: Uint8Array): Promise<void> {
    const folder = this.folder(uploadId);
    await mkdir(folder, { recursive: true });
    await writeAtomically(join(folder, 'original'), bytes);
  }

  /** The upload's bytes as a stream of chunks, for the scanner: never held whole in memory. */
  streamOriginal(uploadId: string): AsyncIterable<Uint8Array> {
    return createReadStream(join(this.folder(uploadId), 'original'));
  }

  async readOriginal(uploadId: string): Promise<Buffer> {
    return readFile(join(this.folder(uploadId), 'original'));
  }

  /** Delete an infected upload's bytes, so nothing can ever serve or parse them; its record stays. */
  async removeOriginal(uploadId: string): Promise<void> {
    await rm(join(this.folder(uploadId), 'original'), { force: true });
  }

  async saveRecord(record: UploadRecord): Promise<void> {
    await writeJson(join(this.folder(record.uploadId), 'upload.json'), record);
  }

  /** The upload's record, or null for an unknown upload. */
  async readRecord(uploadId: string): Promise<UploadRecord | null> {
    return readJson<UploadRecord>(join(this.folder(uploadId), 'upload.json'));
  }

  async savePublished(record: PublishedRecord): Promise<void> {
    await writeJson(join(this.folder(record.uploadId), 'published.json'), record);
  }

  /** The published record, or null while the avatar is not (or never will be) published. */
  async readPublished(uploadId: string): Promise<PublishedRecord | null> {
    return readJson<PublishedRecord>(join(this.folder(uploadId), 'published.json'));
  }

  private folder(uploadId: string): string {
    if (!isUploadId(uploadId)) throw new Error(`not an upload id (a UUID): ${JSON.stringify(uploadId)}`);
    return join(this.dataDir, 'uploads', uploadId);
  }
}

/** Write to a temporary name, then rename: a reader sees the old file or the whole new one, never half. */
async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeAtomically(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
