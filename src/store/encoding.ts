/**
 * How every store encodes the values it keeps as text or JSON, so a job reads the same from any store:
 * job ids and list cursors, JSON text for input and results, and the entries of a job's error history.
 */
import { ConveyorConfigError } from '../errors.js';
import type { JobAttemptError } from '../job.js';

/** An entry of a job's error history as stored: `at` is ms since the epoch. */
export interface AttemptErrorJson {
  attempt: number;
  message: string;
  stack: string | null;
  at: number;
}

export function attemptErrorToJson(error: JobAttemptError): AttemptErrorJson {
  return {
    attempt: error.attempt,
    message: storableText(error.message),
    stack: error.stack === null ? null : storableText(error.stack),
    at: error.at.getTime(),
  };
}

/** NUL, and a UTF-16 surrogate without its pair: what PostgreSQL text and jsonb refuse. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text a store keeps as text (error messages and stacks, progress messages), with NUL and unpaired
 * surrogates replaced by U+FFFD on every store, so one odd error can never block the outcomes
 * written beside it.
 */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** Whether `text` can be stored as it is (see `storableText`). */
export function isStorableText(text: string): boolean {
  return text.search(UNSTORABLE) === -1;
}

export function attemptErrorFromJson(entry: AttemptErrorJson): JobAttemptError {
  return { attempt: entry.attempt, message: entry.message, stack: entry.stack, at: new Date(entry.at) };
}

/** The error a lease recovery records: the worker stopped renewing the lease of this attempt. */
export function leaseExpiredError(workerId: string, attempt: number, at: Date): JobAttemptError {
  return {
    attempt,
    message: `Lease expired: worker ${workerId} stopped renewing it (killed, hung or cut off) during attempt ${attempt}`,
    stack: null,
    at,
  };
}

/**
 * JSON text for `input` and `result`. `undefined` (a handler that returns nothing) is stored as
 * JSON null, since JSON has no undefined.
 */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/**
 * The row id behind a job id, or null for a string that cannot be one (so no such job exists).
 * Job ids are the decimal form of a positive integer key.
 */
export function parseJobId(id: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return null;
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : null;
}

/** A `jobList` cursor is the id of the last job of the previous page. */
export function parseCursor(cursor: string): number {
  const id = parseJobId(cursor);
  if (id === null) {
    throw new ConveyorConfigError('listJobs cursor', `is ${JSON.stringify(cursor)}, which no job list returned`, 'the nextCursor of the previous page, unchanged, or null for the first page');
  }
  return id;
}
