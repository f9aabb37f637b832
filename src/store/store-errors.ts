/**
 * Telling a statement the store refused for what it held from a store that could not take it.
 * A worker retries a write the store could not take (it was down, busy, full, cut off), since the
 * same write can succeed later; it never retries one refused for its content, since that one never
 * will, and retrying it would block every outcome queued behind it.
 */

/** SQLSTATE classes of a refusal for content: 22 data exception (bad text, bad JSON), 54 program limit exceeded (too large). */
const POSTGRES_CONTENT_CLASSES = ['22', '54'];

/** SQLite's result codes for a value it will not store. */
const SQLITE_CONTENT_CODES = new Set(['SQLITE_TOOBIG', 'SQLITE_MISMATCH', 'SQLITE_RANGE']);

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
