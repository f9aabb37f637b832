/**
 * How every store encodes the values it keeps as text or JSON, so a job reads the same from any store:
 * job ids and list cursors, JSON text for input and results, and the entries of a job's error history.
 */
import { ConveyorConfigError } from '../errors.js';
import type { Job, JobAttemptError } from '../job.js';
import type { DependencyStatus, HandlerIgnoringAbort, JobSummary, TaskShape } from './store.js';

/** An entry of a job's error history as stored: `at` is ms since the epoch. */
export interface AttemptErrorJson {
  attempt: number;
  message: string;
  stack: string | null;
  at: number;
}

/**
 * The most a stored error message, or a stored stack, keeps: 64 KiB of UTF-8 each. A longer one is
 * cut, and the cut is marked (see `boundedText`).
 */
export const MAX_ERROR_TEXT_BYTES = 64 * 1024;

/** The most a progress message keeps: 4 KiB of UTF-8. `progress()` refuses a longer one. */
export const MAX_PROGRESS_MESSAGE_BYTES = 4 * 1024;

export function attemptErrorToJson(error: JobAttemptError): AttemptErrorJson {
  return {
    attempt: error.attempt,
    message: storableText(boundedText(error.message, MAX_ERROR_TEXT_BYTES)),
    stack: error.stack === null ? null : storableText(boundedText(error.stack, MAX_ERROR_TEXT_BYTES)),
    at: error.at.getTime(),
  };
}

/** The cut forms of a job's large fields, as a summary row of either store holds them (one character more than kept tells a cut). */
export interface SummaryHeads {
  inputHead: string;
  resultHead: string | null;
  errorCount: number;
  lastErrorAttempt: number | null;
  lastErrorMessage: string | null;
  lastErrorAt: Date | null;
}

/** A job's summary from its own columns and the heads of its large fields. */
export function jobSummaryOf(job: Omit<Job, 'input' | 'result' | 'errors'>, heads: SummaryHeads, previewChars: number, messageChars: number): JobSummary {
  const { lastErrorAttempt, lastErrorAt } = heads;
  return {
    ...job,
    inputPreview: cutText(heads.inputHead, previewChars),
    resultPreview: heads.resultHead === null ? null : cutText(heads.resultHead, previewChars),
    errorCount: heads.errorCount,
    lastError: lastErrorAttempt === null || lastErrorAt === null ? null : { attempt: lastErrorAttempt, message: cutText(heads.lastErrorMessage ?? '', messageChars), at: lastErrorAt },
  };
}

/** `text` cut to `maxChars` characters with `…` appended, or as it is when it fits. */
export function cutText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}…`;
}

const utf8 = new TextEncoder();

/**
 * `text` if its UTF-8 form fits in `maxBytes`; otherwise its longest head that fits with a marker
 * saying how long it was, e.g. `… [truncated: 5,242,880 bytes in all]`. Never cuts a character in two.
 */
export function boundedText(text: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8, so short text needs no measuring.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  const marker = `… [truncated: ${bytes.toLocaleString('en-US')} bytes in all]`;
  const head = new Uint8Array(Math.max(0, maxBytes - Buffer.byteLength(marker)));
  const { read } = utf8.encodeInto(text, head);
  return text.slice(0, read) + marker;
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

/**
 * The earliest and latest times a store keeps: years 1 to 9999 (UTC). The PostgreSQL driver cannot
 * send a year outside them, so callers refuse them alike for both stores (run times at enqueue, list
 * filters at the API).
 */
export const EARLIEST_RUN_AT = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_RUN_AT = new Date('9999-12-31T23:59:59.999Z');

/** True when `time` (ms since the epoch) is within years 1 to 9999 UTC. */
export function isStorableTime(time: number): boolean {
  return time >= EARLIEST_RUN_AT.getTime() && time <= LATEST_RUN_AT.getTime();
}

/** Whether `text` can be stored as it is (see `storableText`). */
export function isStorableText(text: string): boolean {
  return text.search(UNSTORABLE) === -1;
}

/** A `HandlerIgnoringAbort` as stored: `abortedAt` is ms since the epoch. */
export interface HandlerIgnoringAbortJson {
  jobId: string;
  attempt: number;
  task: string;
  reason: HandlerIgnoringAbort['reason'];
  abortedAt: number;
}

export function handlersIgnoringAbortToJson(handlers: readonly HandlerIgnoringAbort[]): HandlerIgnoringAbortJson[] {
  return handlers.map((handler) => ({ jobId: handler.jobId, attempt: handler.attempt, task: handler.task, reason: handler.reason, abortedAt: handler.abortedAt.getTime() }));
}

export function handlersIgnoringAbortFromJson(entries: readonly HandlerIgnoringAbortJson[]): HandlerIgnoringAbort[] {
  return entries.map((entry) => ({ ...entry, abortedAt: new Date(entry.abortedAt) }));
}

/** A `DependencyStatus` as stored: times are ms since the epoch. */
export interface DependencyStatusJson {
  name: string;
  target: string;
  up: boolean;
  since: number;
  checkedAt: number;
  lastError: string | null;
  tasks: string[];
}

export function dependenciesToJson(statuses: readonly DependencyStatus[]): DependencyStatusJson[] {
  return statuses.map((status) => ({
    name: status.name,
    target: storableText(status.target),
    up: status.up,
    since: status.since.getTime(),
    checkedAt: status.checkedAt.getTime(),
    lastError: status.lastError === null ? null : storableText(boundedText(status.lastError, MAX_ERROR_TEXT_BYTES)),
    tasks: status.tasks,
  }));
}

export function dependenciesFromJson(entries: readonly DependencyStatusJson[]): DependencyStatus[] {
  return entries.map((entry) => ({ ...entry, since: new Date(entry.since), checkedAt: new Date(entry.checkedAt) }));
}

/** Task shapes as stored: user schemas' field names made storable (no NUL, which PostgreSQL's jsonb rejects). */
export function taskShapesToJson(shapes: readonly TaskShape[]): TaskShape[] {
  return shapes.map((shape) => ({
    name: shape.name,
    queue: shape.queue,
    input: shape.input === null ? null : { fingerprint: shape.input.fingerprint, fields: shape.input.fields.map((field) => storableText(boundedText(field, MAX_FIELD_NAME_BYTES))) },
  }));
}

/** A field name longer than this is cut in the registry: it only helps a reader tell two schemas apart. */
const MAX_FIELD_NAME_BYTES = 200;

export function attemptErrorFromJson(entry: AttemptErrorJson): JobAttemptError {
  return { attempt: entry.attempt, message: entry.message, stack: entry.stack, at: new Date(entry.at) };
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

/** A `jobs.list` cursor is the id of the last job of the previous page. */
export function parseCursor(cursor: string): number {
  const id = parseJobId(cursor);
  if (id === null) {
    throw new ConveyorConfigError('listJobs cursor', `is ${JSON.stringify(cursor)}, which no job list returned`, 'the nextCursor of the previous page, unchanged, or null for the first page');
  }
  return id;
}
