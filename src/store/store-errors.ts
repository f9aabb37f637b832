/**
 * Telling a store that could not take a call from a call that could never succeed. A worker retries
 * a call the store could not take (it was down, busy, full, cut off), since the same call can
 * succeed later, and reports the store unreachable meanwhile; it never retries one refused for its
 * content, nor one that failed in Conveyor's own code (a bug), since those never will, and retrying
 * them would block every outcome queued behind them and cry outage where there is none.
 */
import { ConveyorError, ConveyorStoreUnavailableError } from '../errors.js';

/** SQLSTATE classes of a refusal for content: 22 data exception (bad text, bad JSON), 54 program limit exceeded (too large). */
const POSTGRES_CONTENT_CLASSES = ['22', '54'];

/** SQLite's result codes for a value it will not store. */
const SQLITE_CONTENT_CODES = new Set(['SQLITE_TOOBIG', 'SQLITE_MISMATCH', 'SQLITE_RANGE']);

/**
 * True when the call may succeed if made again: the store did not answer, or could not take it now.
 * That is every error but a content refusal (`isContentRefusal`) and a bug in Conveyor's own code
 * (`isConveyorBug`): an unknown driver error counts as the store's, so an outage is never mistaken
 * for a bug.
 */
export function isStoreUnavailable(error: unknown): boolean {
  return !isContentRefusal(error) && !isConveyorBug(error);
}

/**
 * True when a store call failed in Conveyor's own code, not in the store: a `ConveyorError` other
 * than the store being unavailable (a check or invariant of ours that failed), or a JavaScript
 * ReferenceError or SyntaxError. (TypeErrors and RangeErrors are content refusals.)
 */
export function isConveyorBug(error: unknown): boolean {
  if (error instanceof ConveyorStoreUnavailableError) return false;
  return error instanceof ConveyorError || error instanceof ReferenceError || error instanceof SyntaxError;
}

/**
 * True when `error` says the values of a statement were refused, so writing the same values again
 * cannot succeed: a JavaScript TypeError or RangeError raised while encoding them (before anything
 * reached the store), a PostgreSQL data exception or size limit, or SQLite's too-big or mismatch.
 * False for anything else, which the caller may retry.
 */
export function isContentRefusal(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return false;
  if (SQLITE_CONTENT_CODES.has(code)) return true;
  return /^[0-9A-Z]{5}$/.test(code) && POSTGRES_CONTENT_CLASSES.includes(code.slice(0, 2));
}
