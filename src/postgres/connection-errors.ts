/** Telling a store that cannot be reached from a statement that failed. */
import { ConveyorStoreUnavailableError } from '../errors.js';
import { ConveyorStoreFaultError, type StoreFault } from '../store/store-fault.js';

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

/** SQLSTATEs of a server that answers but cannot keep a write, with what to do about each. */
const SERVER_FAULTS: Record<string, { fault: StoreFault; remedy: string }> = {
  '53100': { fault: 'disk-full', remedy: 'Its disk is full: free space on the server (or grow its volume); workers retry writes until then.' },
  '25006': { fault: 'read-only', remedy: 'It refuses writes (a standby, or default_transaction_read_only on): point Conveyor at the primary, with a role that may write.' },
  XX001: { fault: 'corrupt', remedy: 'It reports corrupted data: restore the database from a backup, as its logs advise.' },
  XX002: { fault: 'corrupt', remedy: 'It reports a corrupted index: REINDEX it, as its logs advise.' },
};

/**
 * Run `work`; a connection error becomes a `ConveyorStoreUnavailableError` that names the server
 * (once), and a server that cannot keep a write a `ConveyorStoreFaultError` that says what to do.
 */
export async function naming<T>(displayUrl: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const serverFault = SERVER_FAULTS[String((error as { code?: unknown } | null)?.code)];
    if (serverFault !== undefined && !(error instanceof ConveyorStoreUnavailableError)) {
      const { fault, remedy } = serverFault;
      throw new ConveyorStoreFaultError(fault, `The PostgreSQL store at ${displayUrl} refused a write: ${(error as Error).message}. ${remedy}`, { cause: error });
    }
    if (!isConnectionError(error)) throw error;
    throw new ConveyorStoreUnavailableError(
      `Cannot reach the PostgreSQL store at ${displayUrl}: ${(error as Error).message}. ` +
        'Check the URL, that the server accepts connections, and that the role and database exist.',
      { cause: error },
    );
  }
}
