/**
 * One claimed job run to its recorded outcome, inline: the worker's own executor (`executeAttempt`:
 * input parsing, the real context, timeout, abort) and its own outcome mapping (`outcomeToUpdate`:
 * retries' backoff, snoozes, dead), written with the store call a worker's batcher makes. What the
 * kit leaves out is only the worker's concurrency, polling and heartbeats.
 */
import type { ArtifactSettings } from '../artifacts/settings.js';
import type { Clock } from '../clock.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { StepWriter } from '../steps/step-writer.js';
import type { JobStateUpdate, Store } from '../store/store.js';
import type { Resources, Task } from '../task.js';
import { executeAttempt } from '../worker/execute-job.js';
import { type AttemptOutcome, outcomeToUpdate, refusedOutcomeUpdate } from '../worker/outcome.js';
import { RunningJob } from '../worker/running-job.js';

/** What the inline runner shares with every attempt it runs. */
export interface InlineDeps {
  store: Store;
  workerId: string;
  logger: Logger;
  artifacts: ArtifactSettings;
  stepWriter: StepWriter;
  resources: Resources;
  clock: Clock;
}

/** How one attempt ended, and the job as the store holds it afterwards. */
export interface InlineAttempt {
  outcome: AttemptOutcome;
  /** Null when the store no longer held the attempt's lease (the job was cancelled meanwhile, say). */
  update: JobStateUpdate | null;
  job: Job;
}

/** Run `job` (claimed by `deps.workerId`) with `task` and record how it ended. */
export async function runInlineAttempt(task: Task, job: Job, deps: InlineDeps, signal?: AbortSignal): Promise<InlineAttempt> {
  const running = new RunningJob(job, Date.now(), task.timeoutMs);
  const onAbort = (): void => running.abort('cancel');
  if (signal?.aborted === true) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { store, workerId, logger, artifacts, stepWriter, resources, clock } = deps;
    const outcome = await executeAttempt(task, running, { store, workerId, logger, artifacts, stepWriter, resources, clock }).outcome;
    const update = outcomeToUpdate(job, workerId, outcome, task.retry.backoff, clock.now());
    if (update !== null) await record(task, job, update, deps);
    const stored = await store.jobs.get({ id: job.id });
    return { outcome, update, job: stored ?? job };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** As a worker's batcher does: an outcome the store refuses for its content fails the attempt instead. */
async function record(task: Task, job: Job, update: JobStateUpdate, deps: InlineDeps): Promise<void> {
  try {
    await deps.store.jobs.setStateIfRunningMany({ updates: [update] });
  } catch (refusal) {
    const instead = refusedOutcomeUpdate(job, update, refusal, task.retry.backoff, deps.clock.now());
    await deps.store.jobs.setStateIfRunningMany({ updates: [instead] });
  }
}
