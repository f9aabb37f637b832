/**
 * The avatar-scan example's tasks: an upload is scanned by ClamAV, then resized, then published,
 * as the flow `chain(flowStep(scanAvatar, …), flowStep(resizeAvatar, …), flowStep(publishAvatar, …))`
 * that the app enqueues (app.ts). A step runs only once the one before it succeeded: an infected
 * upload ends its scan `dead`, and resize and publish never run.
 *
 * Loaded by `conveyor worker examples/avatar-scan/tasks.ts` and `conveyor serve --tasks …`; settings
 * come from the environment (config.ts: AVATAR_CLAMD_URL, AVATAR_DATA_DIR). Nothing connects at
 * import time: the worker runs the clamd check once started.
 */
import { defineDependency, defineTask, PermanentJobError, snooze } from 'conveyor';
import { z } from 'zod';
import { ping, scanBytes } from './clamav/instream.js';
import { readAvatarConfig, THUMBNAIL_SIZES } from './config.js';
import { describeImage, makeThumbnails, NotAnImageError, type SourceImage } from './thumbnails.js';
import { isUploadId, type PublishedRecord, type PublishedThumbnail, UploadFolder } from './uploads.js';

const config = readAvatarConfig();
const uploads = new UploadFolder(config.dataDir);

/** How often a worker asks clamd for PONG, and how long it waits: a scanner that goes away is noticed within about a second. */
const CLAMD_CHECK_MS = 1_000;
/** While clamd refuses connections, a scan that got through before the check noticed waits this long, not counted as an attempt. */
const SCANNER_GONE_SNOOZE_MS = 2_000;

/**
 * clamd, as the scan task's dependency: while it does not answer PING, workers claim no scans;
 * they wait in `queued`, no attempt burned, and `/ready`, `conveyor doctor` and the dashboard say
 * so. PING rather than a bare TCP connect: it proves a clamd answers there, with its signatures
 * loaded, not just that something holds the port.
 */
export const clamd = defineDependency({
  name: 'clamd',
  target: config.clamdUrl,
  intervalMs: CLAMD_CHECK_MS,
  timeoutMs: CLAMD_CHECK_MS,
  check: (signal) => ping(config.clamd, signal, CLAMD_CHECK_MS),
});

const uploadInput = z.object({ uploadId: z.string().refine(isUploadId, 'must be an upload id (a UUID)') });

export interface ScanResult {
  clean: true;
  scannedBytes: number;
  scanner: string;
}

export interface ResizeResult {
  source: SourceImage;
  thumbnails: PublishedThumbnail[];
}

/**
 * Streams the upload to clamd with INSTREAM (the scanner never needs to see this worker's disk).
 * Infected: dead at once, `infected: <signature>`, and the bytes are deleted. Any other trouble
 * (clamd timing out, refusing the stream) is an ordinary failure, retried with backoff.
 */
export const scanAvatar = defineTask({
  name: 'avatars.scan',
  queue: 'avatars',
  input: uploadInput,
  dependencies: [clamd],
  retry: { maxAttempts: 5, backoff: { initialMs: 1_000, factor: 2 } },
  timeoutMs: 60_000,
  run: async ({ uploadId }, { signal, logger }): Promise<ScanResult> => {
    let scannedBytes = 0;
    const counted = async function* (): AsyncGenerator<Uint8Array> {
      for await (const chunk of uploads.streamOriginal(uploadId)) {
        scannedBytes += chunk.byteLength;
        yield chunk;
      }
    };
    let verdict;
    try {
      verdict = await scanBytes(config.clamd, counted(), { signal, timeoutMs: 30_000 });
    } catch (error) {
      // clamd went away between the worker's last check and this claim: wait for it like the
      // jobs the check holds back, instead of burning an attempt.
      if ((error as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED') throw snooze(SCANNER_GONE_SNOOZE_MS);
      // Reading the upload failed, not the scanner: without its bytes no retry can help.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PermanentJobError(`upload ${uploadId} has no bytes on disk to scan (${(error as Error).message})`);
      throw error;
    }
    if (!verdict.clean) {
      await uploads.removeOriginal(uploadId);
      logger.warn({ uploadId, signature: verdict.signature }, 'infected upload: deleted, never resized or published');
      throw new PermanentJobError(`infected: ${verdict.signature}`);
    }
    return { clean: true, scannedBytes, scanner: config.clamdUrl };
  },
});

/**
 * Decodes the scanned image with sharp and stores each thumbnail as an artifact of this job. Bytes
 * that are not an image end the job dead: retrying cannot make them one.
 */
export const resizeAvatar = defineTask({
  name: 'avatars.resize',
  queue: 'avatars',
  input: uploadInput,
  retry: { maxAttempts: 3, backoff: { initialMs: 1_000 } },
  timeoutMs: 60_000,
  run: async ({ uploadId }, { children, artifacts, job }): Promise<ResizeResult> => {
    // The flow runs this only after a clean scan; checked again so no code path ever decodes unscanned bytes.
    const scan = children[0]?.result as Partial<ScanResult> | undefined;
    if (scan?.clean !== true) throw new PermanentJobError(`upload ${uploadId} has no clean scan before it (children: ${JSON.stringify(children.map((child) => child.task))})`);
    const bytes = await uploads.readOriginal(uploadId);
    try {
      const source = await describeImage(bytes);
      const thumbnails: PublishedThumbnail[] = [];
      for (const thumbnail of await makeThumbnails(bytes, THUMBNAIL_SIZES)) {
        const stored = await artifacts.put(thumbnail.name, thumbnail.data, { contentType: 'image/webp' });
        thumbnails.push({ name: stored.name, jobId: job.id, width: thumbnail.width, height: thumbnail.height, bytes: stored.size });
      }
      return { source, thumbnails };
    } catch (error) {
      if (error instanceof NotAnImageError) throw new PermanentJobError(error.message);
      throw error;
    }
  },
});

/** Makes the avatar visible: writes its published record, naming the thumbnails the resize step stored. */
export const publishAvatar = defineTask({
  name: 'avatars.publish',
  queue: 'avatars',
  input: uploadInput,
  timeoutMs: 10_000,
  run: async ({ uploadId }, { children }): Promise<PublishedRecord> => {
    const resized = children[0]?.result as Partial<ResizeResult> | undefined;
    if (!Array.isArray(resized?.thumbnails) || resized.thumbnails.length === 0) {
      throw new PermanentJobError(`upload ${uploadId}: the step before publish left no thumbnails (children: ${JSON.stringify(children.map((child) => child.task))})`);
    }
    const record: PublishedRecord = { uploadId, publishedAt: new Date().toISOString(), thumbnails: resized.thumbnails };
    await uploads.savePublished(record);
    return record;
  },
});

export const tasks = [scanAvatar, resizeAvatar, publishAvatar];
