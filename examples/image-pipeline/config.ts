/**
 * Where the image pipeline keeps its files, and the settings its processes read from the environment.
 * Every process of the example (the worker, the app, the benchmark) must agree on these, so they are
 * read in one place.
 */
import { join, resolve } from 'node:path';

/** The folder holding the generated images, the resized outputs and the processed-image records. */
export const DATA_DIR_SETTING = 'IMAGE_PIPELINE_DATA_DIR';
/**
 * The queue `images.export` is defined on. It exists to show a routing mistake: a worker deployed
 * with another value serves a queue nobody enqueues to, and the export jobs wait on `exports`.
 */
export const EXPORT_QUEUE_SETTING = 'IMAGE_PIPELINE_EXPORT_QUEUE';
/** For the crash-resume demo and test: the export's first attempt stops after this many months. */
export const EXPORT_PAUSE_SETTING = 'IMAGE_PIPELINE_EXPORT_PAUSE_AFTER_MONTH';

export const DEFAULT_DATA_DIR = '.conveyor/image-pipeline';
export const DEFAULT_EXPORT_QUEUE = 'exports';
export const IMAGES_QUEUE = 'images';

export interface DataPaths {
  root: string;
  /** Generated source images, one folder per batch. */
  inputs: string;
  /** Resized images, one folder per batch. */
  outputs: string;
  /** One JSON line per processed image: what the export reports on. */
  records: string;
  /** One JSON line per execution of an export step's body: shows what a resumed export did not redo. */
  stepRuns: string;
}

export function dataPaths(root: string): DataPaths {
  const dir = resolve(root);
  return {
    root: dir,
    inputs: join(dir, 'in'),
    outputs: join(dir, 'out'),
    records: join(dir, 'records.ndjson'),
    stepRuns: join(dir, 'export-step-runs.ndjson'),
  };
}

/** The data folder this process uses: `$IMAGE_PIPELINE_DATA_DIR`, else `./.conveyor/image-pipeline`. */
export function dataPathsFromEnv(env: NodeJS.ProcessEnv = process.env): DataPaths {
  return dataPaths(nonEmpty(env[DATA_DIR_SETTING]) ?? DEFAULT_DATA_DIR);
}

export function exportQueueFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return nonEmpty(env[EXPORT_QUEUE_SETTING]) ?? DEFAULT_EXPORT_QUEUE;
}

/** The month after which the export's first attempt pauses, or null (the default: it never pauses). */
export function exportPauseFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const value = nonEmpty(env[EXPORT_PAUSE_SETTING]);
  if (value === undefined) return null;
  const month = Number(value);
  if (!Number.isInteger(month) || month < 1) {
    throw new Error(`${EXPORT_PAUSE_SETTING}: must be a whole number of months from 1, got ${JSON.stringify(value)}; e.g. 3`);
  }
  return month;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
