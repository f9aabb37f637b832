/**
 * Outcomes a handler chooses by throwing what these helpers return. Returning a value succeeds and
 * throwing anything else fails the attempt (retried per the task's policy); these two say more:
 *
 * - `throw snooze(delayMs)`: run the job again later; this attempt is not counted.
 * - `throw discard(reason)`: the job is dead at once, with no retry; the reason is its last error.
 *
 * Both are thrown rather than returned so a handler's result type stays its real result, and so
 * they stop the handler wherever they are raised, helpers included. `outcomeToUpdate` reads them.
 */
import { ConveyorConfigError, ConveyorError, PermanentJobError } from './errors.js';

/** The longest a handler can snooze in one call: 365 days. */
export const MAX_SNOOZE_MS = 365 * 24 * 60 * 60 * 1000;

const SNOOZE_BRAND = Symbol.for('conveyor.JobSnooze');

/**
 * What `snooze(delayMs)` returns, for a handler to throw: the job runs again `delayMs` from when the
 * worker records it, and the attempt it ended does not count against `maxAttempts`.
 */
export class JobSnooze extends ConveyorError {
  override name = 'JobSnooze';
  readonly [SNOOZE_BRAND] = true;

  /** @throws ConveyorConfigError when `delayMs` is not an integer from 0 to {@link MAX_SNOOZE_MS} */
  constructor(readonly delayMs: number) {
    super(`Snoozed for ${String(delayMs)} ms`);
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_SNOOZE_MS) {
      throw new ConveyorConfigError(
        'snooze(delayMs)',
        `delayMs must be an integer of milliseconds from 0 to ${MAX_SNOOZE_MS} (365 days), got ${String(delayMs)}`,
        'snooze(30_000)',
      );
    }
  }

  /** Recognises a JobSnooze from another copy of this package too, as `PermanentJobError` does. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SNOOZE_BRAND] === true;
  }
}

/**
 * Run this job again in `delayMs` milliseconds without counting the attempt: the job goes back to
 * `scheduled` (to `queued` when `delayMs` is 0), its lease is released and no error is recorded.
 * Progress already reported stays visible until the next attempt starts. There is no limit on how
 * often a job snoozes: a handler that polls something should give up on its own terms.
 *
 * @param delayMs an integer from 0 to {@link MAX_SNOOZE_MS}
 * @throws ConveyorConfigError when `delayMs` is out of range (thrown at the call, so the attempt fails)
 * @example
 * run: async ({ exportId }) => {
 *   const status = await api.exportStatus(exportId)
 *   if (status === 'pending') throw snooze(30_000) // ask again in 30 s; not an attempt
 *   return status
 * }
 */
export function snooze(delayMs: number): JobSnooze {
  return new JobSnooze(delayMs);
}

/**
 * End this job for good: it goes to `dead` at once whatever attempts remain, and `Discarded: <reason>`
 * is recorded as this attempt's error. The same as throwing a `PermanentJobError`, named for intent.
 *
 * @param reason why the job is pointless now; a non-empty string
 * @throws ConveyorConfigError when `reason` is not a non-empty string
 * @example
 * if (!customer) throw discard(`customer ${input.customerId} was deleted`)
 */
export function discard(reason: string): PermanentJobError {
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new ConveyorConfigError('discard(reason)', `reason must be a non-empty string, got ${JSON.stringify(reason) ?? String(reason)}`, "discard('customer deleted')");
  }
  return new PermanentJobError(`Discarded: ${reason}`);
}
