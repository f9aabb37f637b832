/**
 * The durable-steps part of the store interface (`store.steps`), kept in its own file so `store.ts`
 * stays readable; `store.ts` re-exports it with the other parts.
 */
import type { SentEvent, StepRecord } from './store-records.js';

/**
 * Durable steps (`store.steps`): each step a handler reached, by (job, name), written only while its
 * attempt holds the job (the lease fence), and the events `sendEvent` delivers to waiting steps.
 */
export interface StepStore {
  /** The job's steps, in the order they started (those started in one millisecond as they were first written); empty for an unknown job. */
  list(params: { jobId: string }): Promise<StepRecord[]>;
  /**
   * Write a step (insert or replace its row) if its job is `running` under `step.attempt` and
   * `workerId`, and log a step event. False when the fence failed: nothing was written.
   */
  save(params: { step: StepRecord; workerId: string; now: Date }): Promise<boolean>;
  /**
   * `save` for many steps (of different jobs), each fenced on its own, written the way the store does
   * best: SQLite in one transaction (one commit for the steps concurrent attempts reach together),
   * PostgreSQL side by side on its pool. Returns, in order, whether each was written.
   */
  saveMany(params: { saves: ReadonlyArray<{ step: StepRecord; workerId: string }>; now: Date }): Promise<boolean[]>;
  /**
   * Start a wait (`step` is `waiting`, fenced as `save`), and in the same transaction look for an
   * event of its name sent since `lookBackFrom` that `matches`: the oldest such resolves it at once
   * (`resolved` with the event). No event sent meanwhile is missed: `deliverEvent` and `wait` take
   * turns per event name.
   */
  wait(params: { step: StepRecord; workerId: string; now: Date; lookBackFrom: Date }): Promise<{ held: false } | { held: true; resolved: SentEvent | null }>;
  /**
   * Keep the event, resolve every `waiting` step of that event name whose match it satisfies (their
   * output becomes `{ payload }`), and queue at once those of their jobs that are `scheduled`.
   * Returns the ids of the jobs whose waits it resolved, and the queues of those it queued.
   */
  deliverEvent(params: { name: string; payload: string; now: Date }): Promise<{ seq: string; resolvedJobIds: string[]; wokenQueues: string[] }>;
  /**
   * Queue now the `scheduled` jobs with a wait resolved since `since`: the safety net for an event
   * that came while its job was still running, before the job was put to sleep until its deadline.
   */
  wakeResolved(params: { since: Date; now: Date; limit: number }): Promise<number>;
  /** Delete up to `limit` steps whose job no longer exists; returns how many. */
  pruneOfPrunedJobs(params: { limit: number }): Promise<number>;
  /** Delete up to `limit` sent events older than `before`; returns how many. */
  pruneSentEvents(params: { before: Date; limit: number }): Promise<number>;
}
