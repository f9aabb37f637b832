/**
 * A store that answers but cannot keep what it is given: its disk is full, its file is corrupt, read
 * only, or was deleted under the running process. Unlike a store that does not answer, waiting alone
 * rarely fixes it, so the message says what to do; it is still a store that cannot take writes now,
 * which the worker backs off from and the API answers with 503.
 */
import { ConveyorStoreUnavailableError } from '../errors.js';

/** What is wrong with the store; the HTTP API answers with code `store_<fault>` (`-` as `_`). */
export type StoreFault = 'disk-full' | 'corrupt' | 'read-only' | 'file-lost' | 'io-error';

/**
 * The store cannot take writes for a reason an operator must fix. `message` names what, which file
 * or server, and what to do; `cause` holds the driver's error, if any.
 */
export class ConveyorStoreFaultError extends ConveyorStoreUnavailableError {
  override name = 'ConveyorStoreFaultError';
  constructor(
    readonly fault: StoreFault,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
