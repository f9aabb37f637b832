/**
 * What a worker knows about its connection to the store (F9), learnt from the outcome of every store
 * call it makes in the background (claims, heartbeats, outcome writes, maintenance).
 *
 * States:
 * - CONNECTED: the latest store call succeeded.
 * - UNREACHABLE: a store call failed, and none issued since has succeeded. The worker goes on
 *   retrying with backoff and polling; running jobs are not aborted.
 *
 * A change is logged once (loss at error level with the error, recovery at info with how long the
 * store was down) and reported to `onChange`; the failed calls in between are logged at debug only.
 *
 * A call the store refused for its content (`isContentRefusal`) moves nothing: the store answered.
 * A call's result moves the state only if no change happened while it was in flight: a slow call
 * that began before an outage and succeeds after it was noticed says nothing about the store now,
 * and neither does a failure of a call that began before a recovery.
 */
import type { Logger } from '../logger.js';
import { isContentRefusal } from '../store/store-errors.js';

export type StoreConnectionState = 'connected' | 'unreachable';

/** A worker's view of its store connection, as `worker.storeConnection` and the `store-connection` event give it. */
export interface StoreConnectionStatus {
  readonly state: StoreConnectionState;
  /** When the worker entered this state (for `connected` at first: when the worker was created). */
  readonly since: Date;
  /** While unreachable, the message of the latest failed store call; null while connected. */
  readonly lastError: string | null;
}

/** The tracker's log messages: one on loss (error), one on recovery (info), debug in between. */
export const STORE_CONNECTION_LOG = Object.freeze({
  lost: 'store unreachable; retrying with backoff, running jobs go on',
  restored: 'store reachable again',
  stillDown: 'store call failed; store still unreachable',
});

export type StoreConnectionListener = (status: StoreConnectionStatus, previous: StoreConnectionStatus) => void;

export class StoreConnectionTracker {
  private current: StoreConnectionStatus;
  /** Counts state changes; a call remembers the value it started under. */
  private changes = 0;

  constructor(
    private readonly logger: Logger,
    private readonly onChange: StoreConnectionListener,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.current = Object.freeze({ state: 'connected', since: this.now(), lastError: null });
  }

  get status(): StoreConnectionStatus {
    return this.current;
  }

  /**
   * Run one store call and learn from how it ends; its result or error is passed through.
   * `step` names what the worker was doing, for the log ("claiming jobs", "heartbeat"…).
   */
  async observe<T>(step: string, call: () => Promise<T>): Promise<T> {
    const startedUnder = this.changes;
    let value: T;
    try {
      value = await call();
    } catch (error) {
      // The store answered: it refused what one call held, which says nothing about reaching it.
      if (!isContentRefusal(error)) this.failed(error, step, startedUnder);
      throw error;
    }
    this.succeeded(startedUnder);
    return value;
  }

  private succeeded(startedUnder: number): void {
    if (this.current.state === 'connected' || startedUnder !== this.changes) return;
    const previous = this.current;
    const at = this.now();
    this.change({ state: 'connected', since: at, lastError: null });
    this.logger.info({ downMs: at.getTime() - previous.since.getTime(), lastError: previous.lastError }, STORE_CONNECTION_LOG.restored);
    this.onChange(this.current, previous);
  }

  private failed(error: unknown, step: string, startedUnder: number): void {
    const message = errorMessage(error);
    if (this.current.state === 'unreachable') {
      this.current = Object.freeze({ ...this.current, lastError: message });
      this.logger.debug({ err: error, step }, STORE_CONNECTION_LOG.stillDown);
      return;
    }
    if (startedUnder !== this.changes) return;
    const previous = this.current;
    this.change({ state: 'unreachable', since: this.now(), lastError: message });
    this.logger.error({ err: error, step }, STORE_CONNECTION_LOG.lost);
    this.onChange(this.current, previous);
  }

  private change(status: StoreConnectionStatus): void {
    this.changes += 1;
    this.current = Object.freeze(status);
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
