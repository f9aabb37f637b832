/**
 * Runs one attempt, as a pipeline of named steps: parse the input, build the context, start the
 * timeout, perform the handler (racing it against aborts), and normalise how it ended into an
 * `AttemptOutcome`. Mapping the outcome to a state is `outcomeToUpdate`'s job, not this one's.
 *
 * An abort decides the outcome at once, but cannot stop a handler that ignores its signal: so the
 * attempt also says when the handler has really returned, and only then is its slot free.
 */
import { systemClock, type Clock } from '../clock.js';
import { AttemptArtifacts } from '../artifacts/attempt-artifacts.js';
import { AttemptSteps } from '../steps/attempt-steps.js';
import { inStepSpan } from '../tracing/steps.js';
import type { StepWriter } from '../steps/step-writer.js';
import type { ArtifactSettings } from '../artifacts/settings.js';
import { ConveyorValidationError, PermanentJobError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { Job } from '../job.js';
import type { ChildResult, Resources, Task, TaskContext } from '../task.js';
import { MAX_PROGRESS_MESSAGE_BYTES } from '../store/encoding.js';
import { parseTaskInput } from '../validate.js';
import type { AttemptOutcome } from './outcome.js';
import type { RunningJob } from './running-job.js';
import { printable } from './thrown-value.js';

export interface ExecuteDeps {
  store: Store;
  workerId: string;
  logger: Logger;
  resources: Resources;
  artifacts: ArtifactSettings;
  /** The worker's group commit for step writes. */
  stepWriter: StepWriter;
  /** Where sleeps, waits and progress read the time. @default systemClock */
  clock?: Clock;
}

export interface ExecutingAttempt {
  /** How the attempt ended: what the handler returned or threw, or the abort, whichever came first. */
  outcome: Promise<AttemptOutcome>;
  /** Resolves once the handler has returned or thrown; later than `outcome` when it ignored an abort. */
  returned: Promise<void>;
}

/** Start the attempt. Neither promise ever rejects. */
export function executeAttempt(task: Task, running: RunningJob, deps: ExecuteDeps): ExecutingAttempt {
  const timer = setTimeout(() => running.abort('timeout'), task.timeoutMs);
  const performing = perform(task, running, deps);
  const outcome = Promise.race([performing, running.aborted]).finally(() => clearTimeout(timer));
  return { outcome, returned: performing.then(() => undefined) };
}

/** Inside the attempt's span when it has one, so the spans the handler starts nest under it. */
function perform(task: Task, running: RunningJob, deps: ExecuteDeps): Promise<AttemptOutcome> {
  return running.span === null ? performHandler(task, running, deps) : running.span.run(() => performHandler(task, running, deps));
}

async function performHandler(task: Task, running: RunningJob, deps: ExecuteDeps): Promise<AttemptOutcome> {
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
  const children = await store.flows.childList({ id: job.id });
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
  let artifacts: AttemptArtifacts | undefined;
  let steps: AttemptSteps | undefined;
  const durable = (): AttemptSteps =>
    (steps ??= new AttemptSteps(deps.store, { jobId: job.id, attempt: job.attempt, workerId: deps.workerId, createdAt: job.createdAt, signal: running.controller.signal }, deps.logger.child({ jobId: job.id, task: job.task, attempt: job.attempt }), deps.stepWriter, deps.clock));
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
    step: (name, fn, options) => inStepSpan(name, fn, (body) => durable().step(name, body, options)),
    sleep: (name, ms) => durable().sleep(name, ms),
    sleepUntil: (name, until) => durable().sleepUntil(name, until),
    waitForEvent: (name, options) => durable().waitForEvent(name, options),
    get artifacts() {
      return (artifacts ??= new AttemptArtifacts(deps.store, deps.artifacts, { jobId: job.id, attempt: job.attempt, workerId: deps.workerId }, this.logger));
    },
    progress: async (fraction, message) => {
      if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
        throw new RangeError(`progress(fraction): fraction must be a number from 0 to 1, got ${printable(fraction)}`);
      }
      checkProgressMessage(message);
      const held = await deps.store.jobs.progressSet({
        id: job.id,
        attempt: job.attempt,
        workerId: deps.workerId,
        progress: { fraction, message: message ?? null },
        now: (deps.clock ?? systemClock).now(),
      });
      if (!held) running.abort('lease-lost');
    },
  };
}

function checkProgressMessage(message: unknown): void {
  if (message === undefined || message === null) return;
  if (typeof message !== 'string') {
    throw new TypeError(`progress(fraction, message): message must be a string, got ${printable(message)}`);
  }
  const bytes = Buffer.byteLength(message);
  if (bytes > MAX_PROGRESS_MESSAGE_BYTES) {
    throw new RangeError(
      `progress(fraction, message): message is ${bytes.toLocaleString('en-US')} bytes, over the limit of ${MAX_PROGRESS_MESSAGE_BYTES.toLocaleString('en-US')}; ` +
        "keep it to a short line such as 'page 3 of 12'",
    );
  }
}
