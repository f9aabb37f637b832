/**
 * The example's own records, kept as JSON lines in its data folder (an app would use its database):
 * one line per processed image, which the export reports on, and one line per execution of an export
 * step's body, which shows that a resumed export did not compute a finished month again.
 *
 * Appends of one short line are atomic on a local filesystem, so the worker's concurrent jobs can
 * share a file. A retried image may be recorded twice: readers keep its last line.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ImageRecord {
  batchId: string;
  image: string;
  takenOn: string;
  bytesIn: number;
  bytesOut: number;
  processedAt: string;
}

export interface StepRun {
  jobId: string;
  attempt: number;
  step: string;
  at: string;
}

export function appendRecord(file: string, record: ImageRecord): void {
  appendLine(file, record);
}

/** Every processed image, once each (its latest record). */
export function readRecords(file: string): ImageRecord[] {
  const latest = new Map<string, ImageRecord>();
  for (const record of readLines<ImageRecord>(file)) latest.set(`${record.batchId}/${record.image}`, record);
  return [...latest.values()];
}

export function appendStepRun(file: string, run: StepRun): void {
  appendLine(file, run);
}

export function readStepRuns(file: string): StepRun[] {
  return readLines<StepRun>(file);
}

function appendLine(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(value)}\n`);
}

function readLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
