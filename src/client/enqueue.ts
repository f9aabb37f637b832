/**
 * Turning `enqueue(task, input, options)` into a `JobInsert`: the input is validated against the
 * task's schema and every option is checked before anything is written (F5).
 */
import { ConveyorConfigError, ConveyorValidationError } from '../errors.js';
import type { Job } from '../job.js';
import { checkMaxAttempts } from '../retry.js';
import type { JobInsert } from '../store/store.js';
import { isStorableText, isStorableTime, LATEST_RUN_AT } from '../store/encoding.js';
import { checkPriority, type Task } from '../task.js';
import { parseTaskInput } from '../validate.js';

export interface EnqueueOptions {
  /** Run no sooner than this many milliseconds from now. Not with `runAt`. */
  delayMs?: number;
  /** Run no sooner than this time. Not with `delayMs`. */
  runAt?: Date;
  /** Higher runs first. @default the task's priority */
  priority?: number;
  /** While a job of this task with this key is unfinished, enqueuing again returns it. @default from the task's `dedup.key` */
  dedupKey?: string;
  /** Attempts in all. @default the task's `retry.maxAttempts` */
  maxAttempts?: number;
}

export interface EnqueueResult<TInput = unknown, TResult = unknown> {
  job: Job<TInput, TResult>;
  /** True when an unfinished job with the same dedup key existed and is returned instead of a new one. */
  duplicate: boolean;
}

/**
 * Validate input and options; the returned insert is ready for the store. `traceContext` is the
 * enqueuing span's (`src/tracing/producer.ts`), or null when nothing traces the enqueue.
 */
export async function buildJobInsert(task: Task, input: unknown, options: EnqueueOptions, now: Date, traceContext: string | null = null): Promise<JobInsert> {
  await parseTaskInput(task, input);
  checkJsonSerializable(task, input);
  const where = `enqueue(${JSON.stringify(task.name)}) options`;
  const maxAttempts = options.maxAttempts ?? task.retry.maxAttempts;
  checkMaxAttempts(`${where}.maxAttempts`, maxAttempts);
  const priority = checkPriority(`${where}.priority`, options.priority ?? task.priority);
  return {
    task: task.name,
    queue: task.queue,
    input,
    priority,
    runAt: resolveRunAt(where, options, now),
    maxAttempts,
    dedupKey: resolveDedupKey(where, task, input, options),
    concurrencyKey: resolveConcurrencyKey(task, input),
    traceContext,
  };
}

/** The key the queue's per-key concurrency limit counts the job under: the task's `concurrencyKey(input)`, or null. */
export function resolveConcurrencyKey(task: Task, input: unknown): string | null {
  if (task.concurrencyKey === null) return null;
  return checkDedupKey(`defineTask(${JSON.stringify(task.name)}).concurrencyKey(input)`, task.concurrencyKey(input as never), '"tenant:42"');
}

function resolveRunAt(where: string, options: EnqueueOptions, now: Date): Date {
  if (options.delayMs !== undefined && options.runAt !== undefined) {
    throw new ConveyorConfigError(where, 'sets both delayMs and runAt; give one', '{ delayMs: 60000 }');
  }
  if (options.runAt !== undefined) {
    if (!(options.runAt instanceof Date) || Number.isNaN(options.runAt.getTime())) {
      throw new ConveyorConfigError(`${where}.runAt`, `must be a valid Date, got ${String(options.runAt)}`, "new Date('2030-01-01T09:00:00Z')");
    }
    if (!isStorableTime(options.runAt.getTime())) {
      throw new ConveyorConfigError(`${where}.runAt`, `must be a Date in the years 1 to 9999 (UTC), got ${options.runAt.toISOString()}`, "new Date('2030-01-01T09:00:00Z')");
    }
    return options.runAt;
  }
  const delayMs = options.delayMs ?? 0;
  const runAt = new Date(now.getTime() + delayMs);
  if (!Number.isInteger(delayMs) || delayMs < 0 || Number.isNaN(runAt.getTime())) {
    throw new ConveyorConfigError(`${where}.delayMs`, `must be an integer ≥ 0 of milliseconds that yields a valid date, got ${String(delayMs)}`, '60000');
  }
  if (!isStorableTime(runAt.getTime())) {
    const latest = LATEST_RUN_AT.getTime() - now.getTime();
    throw new ConveyorConfigError(`${where}.delayMs`, `puts the run time after the year 9999 (UTC); it must be at most ${latest} now, got ${delayMs}`, '60000');
  }
  return runAt;
}

function resolveDedupKey(where: string, task: Task, input: unknown, options: EnqueueOptions): string | null {
  if (options.dedupKey !== undefined) return checkDedupKey(`${where}.dedupKey`, options.dedupKey);
  if (task.dedup === null) return null;
  return checkDedupKey(`defineTask(${JSON.stringify(task.name)}).dedup.key(input)`, task.dedup.key(input as never));
}

/** Dedup and concurrency keys: what both stores index and compare exactly. */
function checkDedupKey(setting: string, key: unknown, example = '"trace:4711"'): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512 || !isStorableText(key)) {
    throw new ConveyorConfigError(setting, `must be a string of 1 to 512 characters without NUL (\\u0000) or unpaired surrogates, got ${JSON.stringify(key)}`, example);
  }
  return key;
}

function checkJsonSerializable(task: Task, input: unknown): void {
  try {
    if (JSON.stringify(input) === undefined) throw new Error('nothing to serialize');
  } catch (error) {
    throw new ConveyorValidationError(task.name, [{ path: '', message: `is not JSON-serializable (${(error as Error).message})` }]);
  }
}
