/**
 * The image pipeline's tasks, shared by every process of the example: the worker runs them
 * (`conveyor worker examples/image-pipeline/tasks.ts`), the server accepts them by name (`conveyor
 * serve --tasks …`), and the app enqueues them. One definition each, so no process can disagree
 * about a name, a queue or an input.
 *
 * - `images.process`: one image: decode, resize to two sizes, encode (the fan-out).
 * - `images.summarise`: the batch's totals from its children's results (the fan-in).
 * - `images.export`: a CSV of the processed images over a date range, one durable step per month.
 */
import { join } from 'node:path';
import { defineTask, PermanentJobError } from 'conveyor';
import { z } from 'zod';
import { dataPathsFromEnv, exportPauseFromEnv, exportQueueFromEnv, IMAGES_QUEUE } from './config.js';
import { exportCsv, exportRequestSchema, monthsOf, monthTotals, type PeriodTotals } from './export-request.js';
import { processImage, UndecodableImageError, type ResizedOutput } from './process-image.js';
import { appendRecord, appendStepRun, readRecords } from './records.js';

/** Read once per process: each worker and the app must be started with the same data folder. */
const paths = dataPathsFromEnv();

export interface ProcessResult {
  image: string;
  bytesIn: number;
  bytesOut: number;
  outputs: ResizedOutput[];
}

/** Resizes one image. An undecodable file fails at once (no retry helps); anything else is retried. */
export const processImageTask = defineTask({
  name: 'images.process',
  queue: IMAGES_QUEUE,
  input: z.object({
    batchId: z.string().min(1).max(64),
    /** Absolute path of the source image. */
    source: z.string().min(1),
    takenOn: z.iso.date(),
  }),
  retry: { maxAttempts: 3, backoff: { initialMs: 200, factor: 2 } },
  timeoutMs: 60_000,
  run: async ({ batchId, source, takenOn }): Promise<ProcessResult> => {
    const processed = await processImage(source, join(paths.outputs, batchId)).catch((error: unknown) => {
      // Dead at once: a file that is not an image stays so however often it is retried.
      throw error instanceof UndecodableImageError ? new PermanentJobError(error.message) : error;
    });
    appendRecord(paths.records, { batchId, image: processed.image, takenOn, bytesIn: processed.bytesIn, bytesOut: processed.bytesOut, processedAt: new Date().toISOString() });
    return processed;
  },
});

export interface BatchSummary {
  batchId: string;
  images: number;
  succeeded: number;
  failed: number;
  bytesIn: number;
  bytesOut: number;
  outputs: number;
  /** The first failures (at most 20): the child job and its error. */
  failures: Array<{ jobId: string; state: string; error: string }>;
}

/**
 * Runs once every `images.process` child of its batch has finished (the flow says
 * `onChildFailure: 'continue'`, so a dead image is counted rather than failing the batch).
 */
export const summariseTask = defineTask({
  name: 'images.summarise',
  queue: IMAGES_QUEUE,
  input: z.object({ batchId: z.string().min(1).max(64), images: z.int().min(1) }),
  run: ({ batchId, images }, ctx): BatchSummary => {
    const summary: BatchSummary = { batchId, images, succeeded: 0, failed: 0, bytesIn: 0, bytesOut: 0, outputs: 0, failures: [] };
    if (ctx.children.length !== images) throw new PermanentJobError(`batch ${batchId} should have ${images} children, it has ${ctx.children.length}`);
    for (const child of ctx.children) {
      if (child.state === 'succeeded') {
        const result = child.result as ProcessResult;
        summary.succeeded += 1;
        summary.bytesIn += result.bytesIn;
        summary.bytesOut += result.bytesOut;
        summary.outputs += result.outputs.length;
      } else {
        summary.failed += 1;
        if (summary.failures.length < 20) summary.failures.push({ jobId: child.id, state: child.state, error: child.error?.message ?? 'no error recorded' });
      }
    }
    return summary;
  },
});

export interface ExportResult {
  artifact: string;
  rows: number;
  months: number;
  images: number;
  bytes: number;
}

const pauseAfterMonth = exportPauseFromEnv();

/**
 * One durable step per month: a month computed before a crash or a redeploy is not computed again
 * when the job runs again, it returns its stored rows. Each execution of a step's body is logged
 * (records.ts) so that can be seen. The CSV is then written into the job as an artifact.
 */
export const exportTask = defineTask({
  name: 'images.export',
  queue: exportQueueFromEnv(),
  input: exportRequestSchema,
  retry: { maxAttempts: 3, backoff: { initialMs: 500, factor: 2 } },
  timeoutMs: 300_000,
  run: async (request, ctx): Promise<ExportResult> => {
    const months = monthsOf(request.start, request.end);
    const totals: Array<Record<string, PeriodTotals>> = [];
    for (const [index, month] of months.entries()) {
      totals.push(
        await ctx.step(`month-${month.key}`, () => {
          appendStepRun(paths.stepRuns, { jobId: ctx.job.id, attempt: ctx.job.attempt, step: `month-${month.key}`, at: new Date().toISOString() });
          return monthTotals(readRecords(paths.records), month, request);
        }),
      );
      await ctx.progress((index + 1) / (months.length + 1), `month ${month.key} done (${index + 1}/${months.length})`);
      if (pauseAfterMonth === index + 1 && ctx.job.attempt === 1) await pauseForCrashDemo(ctx.job.id, month.key, ctx.signal);
    }
    const { csv, rows, images } = exportCsv(request, totals);
    const file = await ctx.artifacts.put('export.csv', csv, { contentType: 'text/csv; charset=utf-8' });
    await ctx.progress(1, `${rows} rows written`);
    return { artifact: file.name, rows, months: months.length, images, bytes: file.size };
  },
});

/** Every task of the example, for `Conveyor.open({ tasks })`. */
export const tasks = [processImageTask, summariseTask, exportTask];

/**
 * Holds the export (IMAGE_PIPELINE_EXPORT_PAUSE_AFTER_MONTH) so the worker can be killed mid-export.
 * Says so on stdout, which the test and the demo wait for; gives up when the job is aborted.
 */
function pauseForCrashDemo(jobId: string, monthKey: string, signal: AbortSignal): Promise<never> {
  process.stdout.write(`images.export job ${jobId}: paused after month ${monthKey}; kill this worker now to see the export resume\n`);
  return new Promise((_, reject) => {
    const fail = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted while paused'));
    if (signal.aborted) return fail();
    signal.addEventListener('abort', fail, { once: true });
  });
}
