/** What a step may store: JSON, within a size limit, and how a thrown value is kept as a step's error. */
import { ConveyorStepError } from '../errors.js';
import type { JobAttemptError } from '../job.js';

export const MAX_STEP_NAME_LENGTH = 200;
/** A step's output is read back whole at every run of the job: keep large data elsewhere (an artifact). */
export const MAX_STEP_OUTPUT_BYTES = 1_048_576;

/** `{ "value": … }` as JSON text (no key for undefined), or a step error naming the step and what was wrong. */
export function stepValueJson(value: unknown, where: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value === undefined ? {} : { value });
  } catch (error) {
    throw new ConveyorStepError(`${where}: its result is not JSON (${error instanceof Error ? error.message : String(error)}); return plain data (objects, arrays, strings, numbers, booleans, null)`);
  }
  if (typeof value === 'function' || typeof value === 'symbol' || text === undefined || (value !== undefined && text === '{}')) {
    throw new ConveyorStepError(`${where}: its result is a ${typeof value}, which JSON cannot keep; return plain data (objects, arrays, strings, numbers, booleans, null)`);
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_STEP_OUTPUT_BYTES) {
    throw new ConveyorStepError(`${where}: its result is ${Buffer.byteLength(text, 'utf8')} bytes of JSON, over the ${MAX_STEP_OUTPUT_BYTES}-byte limit; keep large data in an artifact (ctx.artifacts.put) and return its name`);
  }
  return text;
}

export function thrownAsAttemptError(thrown: unknown, attempt: number, at: Date): JobAttemptError {
  if (thrown instanceof Error) return { attempt, message: thrown.message.slice(0, 4096), stack: thrown.stack?.slice(0, 16_384) ?? null, at };
  return { attempt, message: String(thrown).slice(0, 4096), stack: null, at };
}
