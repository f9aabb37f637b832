/**
 * Durable steps as handlers see them (the shared types; the machinery is in `src/steps/`): a step's
 * result is kept under the job, so when the job runs again (a retry, a crash, a redeploy) finished
 * steps return at once without running; sleeps and waits leave the worker and resume in any worker.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConveyorConfigError } from './errors.js';
import type { RetryOptions } from './retry.js';

export interface StepOptions {
  /** Retry the step in place before it fails (and fails the attempt). @default none: the job's own retry re-runs it */
  retry?: RetryOptions;
}

export interface WaitForEventOptions {
  /** The event's name, as `sendEvent` sends it (`'export.approved'`). */
  event: string;
  /** Fields the payload must have, with these JSON values (`{ exportId: 42 }`); none: any event of the name. */
  match?: Record<string, unknown>;
  /** How long to wait, at most 365 days. */
  timeoutMs: number;
}

/** What `waitForEvent` resolves with: the event's payload, or that the wait timed out. */
export type WaitForEventResult<TPayload = unknown> = { timedOut: false; payload: TPayload; sentAt: Date } | { timedOut: true };

/** The durable steps of an attempt (`ctx.step`, `ctx.sleep`, `ctx.sleepUntil`, `ctx.waitForEvent`). */
export interface TaskSteps {
  /**
   * Run `fn` once for this job: its JSON result is kept under the job and the step's `name`, and
   * every later run of the job returns it without running `fn`. Names are unique per job (`page-${i}`
   * in a loop); a name used twice in one run throws. A result that is not JSON fails the step.
   */
  step<T>(name: string, fn: () => Promise<T> | T, options?: StepOptions): Promise<T>;
  /** Leave the worker for `ms` (its slot freed, nothing held in memory) and resume at this point in any worker. */
  sleep(name: string, ms: number): Promise<void>;
  /** As `sleep`, until `until`. */
  sleepUntil(name: string, until: Date): Promise<void>;
  /**
   * Leave the worker until an event of that name whose payload has the `match` fields is sent
   * (`conveyor.sendEvent`, `POST /events/{name}`), or `timeoutMs` passes. An event sent since the job
   * was enqueued, and kept (events are kept 24 hours), counts: a wait never misses an approval that
   * came before the job reached it.
   */
  waitForEvent<TPayload = unknown>(name: string, options: WaitForEventOptions): Promise<WaitForEventResult<TPayload>>;
}

/** An event jobs can wait for, with the schema its payload must pass (checked by `sendEvent` and `POST /events/{name}`). */
export interface EventDefinition<TSchema extends StandardSchemaV1 = StandardSchemaV1> {
  readonly name: string;
  readonly payload: TSchema;
}

/**
 * Declare an event: its name and its payload's schema. Pass it to `Conveyor.open({ events })` so
 * `POST /events/{name}` accepts it, and to `sendEvent`.
 *
 * @example
 * export const exportApproved = defineEvent({ name: 'export.approved', payload: z.object({ exportId: z.number(), by: z.string() }) })
 */
export function defineEvent<TSchema extends StandardSchemaV1>(definition: { name: string; payload: TSchema }): EventDefinition<TSchema> {
  const where = `defineEvent(${JSON.stringify(definition?.name)})`;
  if (typeof definition?.name !== 'string' || !EVENT_NAME.test(definition.name)) {
    throw new ConveyorConfigError(`${where}.name`, 'must be a name of letters, digits and . _ : - (at most 200)', "'export.approved'");
  }
  if (typeof definition.payload !== 'object' || definition.payload === null || typeof definition.payload['~standard']?.validate !== 'function') {
    throw new ConveyorConfigError(`${where}.payload`, 'is not a schema implementing Standard Schema', 'z.object({ exportId: z.number() })');
  }
  return Object.freeze({ name: definition.name, payload: definition.payload });
}

/** What an event name may be. */
export const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
