/**
 * `runTask`: one handler run once, with the context a worker gives it (a job row in the store, so
 * progress, steps and artifacts are real), and its result returned or its error thrown.
 */
import { buildJobInsert } from '../client/enqueue.js';
import { JobSnooze } from '../handler-outcomes.js';
import type { Resources, Task, TaskContext, TaskInput, TaskResult } from '../task.js';
import { type InlineDeps, runInlineAttempt } from './inline-attempt.js';

/** The queue runTask's jobs go to: no drain claims from it, and `enqueued()` leaves it out. */
export const RUN_TASK_QUEUE = 'conveyor-testkit.run-task';

/** What a `runTask` call changes in the handler's context. */
export interface RunTaskContext {
  /** `ctx.job.attempt`, e.g. to test what the last attempt does. @default 1 */
  attempt?: number;
  /** `ctx.resources`. @default the resources given to `createTestConveyor` */
  resources?: Resources;
  /** Aborting it aborts `ctx.signal` (as a cancel would). */
  signal?: AbortSignal;
}

const LEASE_MS = 86_400_000;

export async function runTaskInline<T extends Task>(task: T, input: TaskInput<T>, context: RunTaskContext, deps: InlineDeps): Promise<TaskResult<T>> {
  const { store, clock, workerId } = deps;
  const now = clock.now();
  // Validates the input as enqueue does: an invalid one throws ConveyorValidationError before anything runs.
  const insert = await buildJobInsert(task, input, {}, now);
  await store.jobs.insertMany({ jobs: [{ ...insert, queue: RUN_TASK_QUEUE, dedupKey: null, runAt: now }], now });
  const [job] = await store.jobs.claim({ queues: [RUN_TASK_QUEUE], tasks: [task.name], workerId, limit: 1, now, leaseExpiresAt: new Date(now.getTime() + LEASE_MS) });
  if (job === undefined) throw new Error(`runTask(${task.name}): the job just stored could not be claimed; is a worker serving queue "${RUN_TASK_QUEUE}"?`);
  const { outcome } = await runInlineAttempt(withContext(task, context), job, { ...deps, resources: context.resources ?? deps.resources }, context.signal);
  if (outcome.kind === 'returned') return outcome.value as TaskResult<T>;
  if (outcome.kind === 'aborted') throw new Error(`runTask(${task.name}): the handler was aborted (${outcome.reason}${outcome.reason === 'timeout' ? ` after ${outcome.timeoutMs} ms` : ''})`);
  if (outcome.error instanceof JobSnooze) {
    throw new Error(
      `runTask(${task.name}): the handler paused (a durable sleep, a wait for an event, or a snooze of ${outcome.error.delayMs} ms), so it has no result yet; ` +
        'runTask runs one attempt: enqueue the job and use drain() with clock.advance() to run it through',
    );
  }
  throw outcome.error;
}

/** The task with the handler's context changed as `context` asks. */
function withContext<T extends Task>(task: T, context: RunTaskContext): T {
  if (context.attempt === undefined) return task;
  const attempt = context.attempt;
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`runTask(${task.name}, input, { attempt }): attempt must be a whole number from 1, got ${String(attempt)}`);
  return {
    ...task,
    run: (input: unknown, ctx: TaskContext) => {
      // Object.create keeps the context's lazy getters (logger, artifacts) working.
      const changed = Object.create(ctx, { job: { value: { ...ctx.job, attempt }, enumerable: true } }) as TaskContext;
      return task.run(input, changed);
    },
  };
}
