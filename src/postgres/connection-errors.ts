/** Telling a store that cannot be reached from a statement that failed. */
import { ConveyorStoreUnavailableError } from '../errors.js';

/** Node's network error codes. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** SQLSTATEs of a server that is going away, refuses the login, or has no such database. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '3D000']);

/** True when `error` says the server could not be reached or would not let us in, rather than that a statement was wrong. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ConveyorStoreUnavailableError) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Class 08: connection exception; class 28: invalid authorization.
    return NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08') || code.startsWith('28');
  }
  // pg's own messages for a connect timeout and for a connection that ended under it.
  return /timeout exceeded when trying to connect|Connection terminated/i.test(error.message);
}

/** Run `work`; a connection error becomes a `ConveyorStoreUnavailableError` that names the server (once). */
export async function naming<T>(displayUrl: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isConnectionError(error)) throw error;
    throw new ConveyorStoreUnavailableError(
      `Cannot reach the PostgreSQL store at ${displayUrl}: ${(error as Error).message}. ` +
        'Check the URL, that the server accepts connections, and that the role and database exist.',
      { cause: error },
    );
  }
}
