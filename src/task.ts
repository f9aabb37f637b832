/**
 * Tasks: named, typed units of work, defined once and shared by producers and workers
 * so the two cannot disagree about a task's name, queue or input.
 */
import type { TaskArtifacts } from './artifact.js';
import type { TaskSteps } from './step.js';
import type { Dependency, WhileDependencyDown } from './dependency.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConveyorConfigError } from './errors.js';
import type { JobAttemptError, JobState } from './job.js';
import type { Logger } from './logger.js';
import { type RetryPolicy, resolveRetryPolicy } from './retry.js';

/**
 * Resources a worker hands to handlers (a DB pool, an HTTP client…). Declare yours by
 * augmenting this interface, then give the worker their create/close functions.
 *
 * @example
 * declare module 'conveyor' { interface Resources { db: pg.Pool } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Resources {}

/** What a handler knows about the job it runs. */
export interface JobInfo {
  id: string;
  task: string;
  queue: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  priority: number;
  dedupKey: string | null;
  createdAt: Date;
  /** The flow this job belongs to (its root job's id); null outside a flow. */
  flowId: string | null;
  /** The flow job that waits for this one; null for a flow's root and outside a flow. */
  parentId: string | null;
}

/** A job a flow job waited for, as its handler sees it. */
export interface ChildResult {
  id: string;
  task: string;
  /** 'succeeded'; 'dead' or 'cancelled' only when the flow step says `onChildFailure: 'continue'`. */
  state: JobState;
  /** What the child's handler returned; null unless it succeeded. */
  result: unknown;
  /** The child's last error; null when it had none. */
  error: JobAttemptError | null;
}

/** The second argument of every handler. Its durable steps (`step`, `sleep`, `sleepUntil`, `waitForEvent`) are described in `TaskSteps`. */
export interface TaskContext extends TaskSteps {
  job: JobInfo;
  /**
   * Fires on timeout, on cancellation, when the lease was lost, and when the worker stops past its
   * drain time. Honour it: the attempt's outcome is recorded at the abort, but the worker cannot stop
   * a handler that ignores it, so the handler's slot stays busy (and is reported) until it returns,
   * and another worker may meanwhile start the job's next attempt.
   */
  signal: AbortSignal;
  /**
   * Record progress: `fraction` from 0 to 1, with an optional message of at most 4 KiB (a longer one,
   * or a fraction out of range, throws). Resolves once stored.
   */
  progress(fraction: number, message?: string): Promise<void>;
  logger: Logger;
  resources: Resources;
  /**
   * In a flow, the jobs this one waited for, in the order the flow listed them: in a chain,
   * `children[0].result` is the previous step's result; in a fan-in, one entry per child. Empty for
   * a job without children.
   */
  children: readonly ChildResult[];
  /**
   * The files this attempt writes, stored durably and downloadable by whoever asked for them:
   * `await ctx.artifacts.put('report.csv', stream, { contentType: 'text/csv' })`. See `TaskArtifacts`.
   */
  artifacts: TaskArtifacts;
}

/** Any schema implementing Standard Schema (zod ≥ 3.24, valibot, arktype…). */
export type InputSchema = StandardSchemaV1;

export interface TaskOptions<TSchema extends InputSchema, TResult> {
  /** Unique name; letters, digits, `.`, `_`, `-`, `:`. @example 'reports.export' */
  name: string;
  /** @default 'default' */
  queue?: string;
  /** Validated at enqueue (nothing is written when it fails) and parsed again before `run`. */
  input: TSchema;
  /** The handler. Its return value (JSON) is stored as the job's result. */
  run: (input: StandardSchemaV1.InferOutput<TSchema>, context: TaskContext) => Promise<TResult> | TResult;
  /** @default { maxAttempts: 5, backoff: { initialMs: 1000, factor: 2, maxMs: 3_600_000, jitter: 0.25 } } */
  retry?: Partial<Omit<RetryPolicy, 'backoff'>> & { backoff?: Partial<RetryPolicy['backoff']> };
  /** Abort the handler (through its signal) after this long, and count the attempt as failed. @default 600_000 */
  timeoutMs?: number;
  /** Derive a dedup key from the input: a second enqueue while the first is unfinished returns the first. */
  dedup?: { key: (input: StandardSchemaV1.InferInput<TSchema>) => string };
  /** @default 0 (higher runs first) */
  priority?: number;
  /**
   * Derive the key the queue's per-key concurrency limit counts a job under (see
   * `conveyor.setQueueLimits(queue, { perKey })`); a string of 1 to 512 characters.
   * @example (input) => input.tenantId
   */
  concurrencyKey?: (input: StandardSchemaV1.InferInput<TSchema>) => string;
  /**
   * Services the handler needs (`tcpDependency`, `httpDependency`, `defineDependency`): each worker
   * running the task checks them, and while one is down it claims none of the task's jobs (see
   * `whileDependencyDown`).
   */
  dependencies?: readonly Dependency[];
  /** While a dependency is down: 'wait' (claim none of its jobs; they wait, no attempt burned) or 'claim' anyway. @default 'wait' */
  whileDependencyDown?: WhileDependencyDown;
}

/**
 * A task as defined: options with defaults applied. `Task` with no type arguments means any task
 * (its defaults are `any` because a handler's input type is contravariant).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Task<TSchema extends InputSchema = any, TResult = any> {
  readonly name: string;
  readonly queue: string;
  readonly input: TSchema;
  readonly run: TaskOptions<TSchema, TResult>['run'];
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly dedup: NonNullable<TaskOptions<TSchema, TResult>['dedup']> | null;
  readonly priority: number;
  readonly concurrencyKey: NonNullable<TaskOptions<TSchema, TResult>['concurrencyKey']> | null;
  readonly dependencies: readonly Dependency[];
  readonly whileDependencyDown: WhileDependencyDown;
}

/** The input type a task accepts at enqueue. */
export type TaskInput<T> = T extends Task<infer S> ? StandardSchemaV1.InferInput<S> : never;
/**
 * The result type a task's handler returns. Matched against `Task<any, …>`: against
 * `Task<InputSchema, …>` a handler's input (contravariant) never matches, and every result was `never`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskResult<T> = T extends Task<any, infer R> ? Awaited<R> : never;

/** The longest delay a Node timer can wait; longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Define a task.
 *
 * @example
 * export const sendEmail = defineTask({
 *   name: 'email.send',
 *   input: z.object({ to: z.string().email(), subject: z.string() }),
 *   run: async ({ to, subject }, { logger }) => { logger.info({ to }, 'sending'); return { sent: true } },
 * })
 */
export function defineTask<TSchema extends InputSchema, TResult>(options: TaskOptions<TSchema, TResult>): Task<TSchema, Awaited<TResult>> {
  const where = `defineTask(${JSON.stringify(options.name)})`;
  checkName(`${where}.name`, options.name);
  const queue = options.queue ?? 'default';
  checkName(`${where}.queue`, queue);
  if (typeof options.input !== 'object' || options.input === null || typeof options.input['~standard']?.validate !== 'function') {
    throw new ConveyorConfigError(`${where}.input`, 'is not a schema implementing Standard Schema', 'z.object({ userId: z.string() })');
  }
  if (typeof options.run !== 'function') {
    throw new ConveyorConfigError(`${where}.run`, 'is not a function', 'async (input, ctx) => ({ done: true })');
  }
  const timeoutMs = options.timeoutMs ?? 600_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMER_MS) {
    throw new ConveyorConfigError(`${where}.timeoutMs`, `must be an integer of milliseconds from 1 to ${MAX_TIMER_MS} (about 24.8 days), got ${String(timeoutMs)}`, '30000');
  }
  const priority = checkPriority(`${where}.priority`, options.priority ?? 0);
  if (options.concurrencyKey !== undefined && typeof options.concurrencyKey !== 'function') {
    throw new ConveyorConfigError(`${where}.concurrencyKey`, 'is not a function', '(input) => input.tenantId');
  }
  return Object.freeze({
    name: options.name,
    queue,
    input: options.input,
    run: options.run as Task<TSchema, Awaited<TResult>>['run'],
    retry: resolveRetryPolicy(`${where}.retry`, options.retry),
    timeoutMs,
    dedup: options.dedup ?? null,
    priority,
    concurrencyKey: options.concurrencyKey ?? null,
    dependencies: checkDependencies(`${where}.dependencies`, options.dependencies ?? []),
    whileDependencyDown: checkWhileDependencyDown(`${where}.whileDependencyDown`, options.whileDependencyDown ?? 'wait'),
  });
}

/** Dependencies as `tcpDependency`, `httpDependency` or `defineDependency` made them, each name once. */
export function checkDependencies(setting: string, dependencies: unknown): readonly Dependency[] {
  const example = "[tcpDependency('virus-scanner', 'tcp://clamd:3310')]";
  if (!Array.isArray(dependencies)) throw new ConveyorConfigError(setting, `must be an array of dependencies, got ${JSON.stringify(dependencies)}`, example);
  const names = new Set<string>();
  for (const [index, dependency] of dependencies.entries()) {
    const entry = dependency as Partial<Dependency> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.name !== 'string' || typeof entry.check !== 'function') {
      throw new ConveyorConfigError(`${setting}[${index}]`, 'is not a dependency made by tcpDependency, httpDependency or defineDependency', example);
    }
    if (names.has(entry.name)) throw new ConveyorConfigError(`${setting}[${index}]`, `names "${entry.name}" a second time; give each dependency once`, example);
    names.add(entry.name);
  }
  return Object.freeze([...(dependencies as Dependency[])]);
}

function checkWhileDependencyDown(setting: string, value: unknown): WhileDependencyDown {
  if (value !== 'wait' && value !== 'claim') throw new ConveyorConfigError(setting, `must be 'wait' or 'claim', got ${JSON.stringify(value)}`, "'wait'");
  return value;
}

/** Check a task or queue name; `setting` names it in the error. */
export function checkName(setting: string, value: unknown): void {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new ConveyorConfigError(
      setting,
      `must be 1–128 letters, digits, ".", "_", "-" or ":" starting with a letter or digit, got ${JSON.stringify(value)}`,
      '"reports.export"',
    );
  }
}

/** Priorities are 32-bit integers, the range every store keeps exactly. */
const PRIORITY_LIMIT = 2 ** 31;

/** Check a priority option; `setting` names it in the error. */
export function checkPriority(setting: string, priority: unknown): number {
  if (!Number.isInteger(priority) || (priority as number) < -PRIORITY_LIMIT || (priority as number) >= PRIORITY_LIMIT) {
    throw new ConveyorConfigError(setting, `must be an integer from ${-PRIORITY_LIMIT} to ${PRIORITY_LIMIT - 1}, got ${String(priority)}`, '10');
  }
  return priority as number;
}
