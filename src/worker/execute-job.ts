/**
 * Runs one attempt, as a pipeline of named steps: parse the input, build the context, start the
 * timeout, perform the handler (racing it against aborts), and normalise how it ended into an
 * `AttemptOutcome`. Mapping the outcome to a state is `outcomeToUpdate`'s job, not this one's.
 */
import { ConveyorValidationError, PermanentJobError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { Job } from '../job.js';
import type { ChildResult, Resources, Task, TaskContext } from '../task.js';
import { parseTaskInput } from '../validate.js';
import type { AttemptOutcome } from './outcome.js';
import type { RunningJob } from './running-job.js';

export interface ExecuteDeps {
  store: Store;
  workerId: string;
  logger: Logger;
  resources: Resources;
}

export async function executeAttempt(task: Task, running: RunningJob, deps: ExecuteDeps): Promise<AttemptOutcome> {
  const timer = setTimeout(() => running.abort('timeout'), task.timeoutMs);
  try {
    return await Promise.race([perform(task, running, deps), running.aborted]);
  } finally {
    clearTimeout(timer);
  }
}

async function perform(task: Task, running: RunningJob, deps: ExecuteDeps): Promise<AttemptOutcome> {
  try {
    const input = await parseStoredInput(task, running);
    const children = await loadChildren(running.job, deps.store);
    const value = await task.run(input, buildContext(running, children, deps));
    return { kind: 'returned', value };
  } catch (error) {
    return { kind: 'threw', error };
  }
}

/** The stored input passed validation at enqueue; failing now means the schema changed since: do not retry. */
async function parseStoredInput(task: Task, running: RunningJob): Promise<unknown> {
  try {
    return await parseTaskInput(task, running.job.input);
  } catch (error) {
    if (error instanceof ConveyorValidationError) {
      throw new PermanentJobError(`${error.message} (the task's schema no longer accepts this stored input)`);
    }
    throw error;
  }
}

/** The results of the jobs a flow job waited for; no store call for a job without children. */
async function loadChildren(job: Job, store: Store): Promise<ChildResult[]> {
  if (!job.hasChildren) return [];
  const children = await store.jobChildList({ id: job.id });
  return children.map((child) => ({
    id: child.id,
    task: child.task,
    state: child.state,
    result: child.result,
    error: child.errors.at(-1) ?? null,
  }));
}

function buildContext(running: RunningJob, children: readonly ChildResult[], deps: ExecuteDeps): TaskContext {
  const { job } = running;
  let logger: Logger | undefined;
  return {
    job: {
      id: job.id,
      task: job.task,
      queue: job.queue,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      priority: job.priority,
      dedupKey: job.dedupKey,
      createdAt: job.createdAt,
      flowId: job.flowId,
      parentId: job.parentId,
    },
    children,
    signal: running.controller.signal,
    get logger() {
      // Built on first use: most handlers never log, and this is the hot path.
      return (logger ??= deps.logger.child({ jobId: job.id, task: job.task, attempt: job.attempt }));
    },
    resources: deps.resources,
    progress: async (fraction, message) => {
      if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
        throw new RangeError(`progress(fraction): fraction must be a number from 0 to 1, got ${String(fraction)}`);
      }
      const held = await deps.store.jobProgressSet({
        id: job.id,
        attempt: job.attempt,
        workerId: deps.workerId,
        progress: { fraction, message: message ?? null },
        now: new Date(),
      });
      if (!held) running.abort('lease-lost');
    },
  };
}
