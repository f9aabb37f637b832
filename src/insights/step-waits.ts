/**
 * Why a job that ran durable steps is not running: a sleep or a wait for an event left the worker,
 * so the job snoozed into `scheduled` until the sleep ends or the wait's deadline (an event queues
 * it sooner). The job keeps no state for this; its latest step row says which it is.
 */
import type { JobState } from '../job.js';
import type { StepRecord } from '../store/store-records.js';

export type StepWait =
  | { kind: 'sleep'; step: string; until: Date }
  | {
      kind: 'wait';
      step: string;
      event: string;
      /** JSON text of the fields the event's payload must have; null: any event of the name. */
      match: string | null;
      /** When the wait times out (and the job runs again with `timedOut: true`). */
      deadline: Date;
    };

/**
 * The sleep or wait a scheduled job is in, or null (another state, or no step sleeping or waiting:
 * a job scheduled by `runAt`, a snooze of its own or a retry's backoff).
 *
 * The handler leaves the worker at its sleep or wait, so at most one step of a job sleeps or waits,
 * and it is the job's latest. It is looked up by status rather than taken as the last row, so a
 * list in another order would still be read right.
 *
 * @param steps the job's steps in start order (`conveyor.listSteps(job.id)`).
 */
export function stepWait(job: { state: JobState }, steps: readonly StepRecord[]): StepWait | null {
  if (job.state !== 'scheduled') return null;
  const latest = steps.findLast((step) => step.status === 'sleeping' || step.status === 'waiting');
  if (latest === undefined || latest.until === null) return null;
  if (latest.status === 'sleeping') return { kind: 'sleep', step: latest.name, until: latest.until };
  if (latest.status === 'waiting' && latest.event !== null) return { kind: 'wait', step: latest.name, event: latest.event, match: latest.match, deadline: latest.until };
  return null;
}
