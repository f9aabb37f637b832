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
 * Changes are reported at most once per window (1 s, doubling while the store flaps, up to 60 s),
 * checked at each call: a store that half works, failing one call and answering the next, would
 * otherwise log a pair of lines, and wake the worker, on every call. A window that saw the state
 * change and change back logs one `flapping` warning instead. Each step also backs off on its own
 * consecutive failures (`retryDelayMs`), whatever other steps meanwhile achieve.
 *
 * Only a call the store could not take (`isStoreUnavailable`) moves the state. One the store refused
 * for its content moves nothing: the store answered. Nor does one that failed in Conveyor's own code
 * (`isConveyorBug`): it is logged at error level once per step and message, and backs its step off
 * like a failure, so a bug neither cries outage nor spins.
 * A call's result moves the state only if no change happened while it was in flight: a slow call
 * that began before an outage and succeeds after it was noticed says nothing about the store now,
 * and neither does a failure of a call that began before a recovery.
 */
import type { Logger } from '../logger.js';
import { isConveyorBug, isStoreUnavailable } from '../store/store-errors.js';
import { storeRetryDelayMs } from './store-retry.js';

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
  flapping: 'store connection flapping: it changed state and back since the last report',
  bug: 'a store call failed in Conveyor itself, not in the store (a bug); the store counts as reachable',
});

export type StoreConnectionListener = (status: StoreConnectionStatus, previous: StoreConnectionStatus) => void;

/** A change of state is reported at most once per window; the window starts at this… */
export const REPORT_WINDOW_MIN_MS = 1_000;
/** …doubles each time the state changed more than once within it (the store is flapping), up to this. */
export const REPORT_WINDOW_MAX_MS = 60_000;

export class StoreConnectionTracker {
  private current: StoreConnectionStatus;
  /** Counts state changes; a call remembers the value it started under. */
  private changes = 0;
  /** What was last reported (logged and told to `onChange`), and when. */
  private reported: StoreConnectionStatus;
  private reportedAt = Number.NEGATIVE_INFINITY;
  private windowMs = REPORT_WINDOW_MIN_MS;
  /** State changes since the last report. */
  private unreported = 0;
  /** The error of the latest failed call, for the report of a recovery. */
  private latestError: string | null = null;
  /** Consecutive failures of each step, for its backoff. */
  private readonly failures = new Map<string, number>();
  /** The failed call behind a loss not yet reported, for its log line. */
  private lossCause: { err: unknown; step: string } | null = null;
  /** The bug last logged for each step, so each is logged once. */
  private readonly bugsLogged = new Map<string, string>();

  constructor(
    private readonly logger: Logger,
    private readonly onChange: StoreConnectionListener,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.current = Object.freeze({ state: 'connected', since: this.now(), lastError: null });
    this.reported = this.current;
  }

  get status(): StoreConnectionStatus {
    return this.current;
  }

  /**
   * How long `step` should wait before its next call: `baseMs` while its latest call succeeded;
   * after consecutive failures, at least `baseMs` and growing with each one (`storeRetryDelayMs`).
   */
  retryDelayMs(step: string, baseMs: number): number {
    const failures = this.failures.get(step) ?? 0;
    return failures === 0 ? baseMs : Math.max(baseMs, storeRetryDelayMs(failures, baseMs));
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
      if (isStoreUnavailable(error)) {
        this.failures.set(step, (this.failures.get(step) ?? 0) + 1);
        this.failed(error, step, startedUnder);
      } else if (isConveyorBug(error)) {
        this.failures.set(step, (this.failures.get(step) ?? 0) + 1);
        this.logBug(error, step);
      }
      // Else the store answered: it refused what one call held, which says nothing about reaching it.
      this.reportIfDue();
      throw error;
    }
    this.failures.delete(step);
    this.bugsLogged.delete(step);
    this.succeeded(startedUnder);
    this.reportIfDue();
    return value;
  }

  private logBug(error: unknown, step: string): void {
    const message = errorMessage(error);
    if (this.bugsLogged.get(step) === message) return;
    this.bugsLogged.set(step, message);
    this.logger.error({ err: error, step }, STORE_CONNECTION_LOG.bug);
  }

  private succeeded(startedUnder: number): void {
    if (this.current.state === 'connected' || startedUnder !== this.changes) return;
    this.change({ state: 'connected', since: this.now(), lastError: null });
  }

  private failed(error: unknown, step: string, startedUnder: number): void {
    const message = errorMessage(error);
    this.latestError = message;
    if (this.current.state === 'unreachable') {
      this.current = Object.freeze({ ...this.current, lastError: message });
      this.logger.debug({ err: error, step }, STORE_CONNECTION_LOG.stillDown);
      return;
    }
    if (startedUnder !== this.changes) return;
    this.change({ state: 'unreachable', since: this.now(), lastError: message });
    this.lossCause ??= { err: error, step };
  }

  private change(status: StoreConnectionStatus): void {
    this.changes += 1;
    this.unreported += 1;
    this.current = Object.freeze(status);
  }

  /**
   * Report the state if it changed and the window since the last report has passed: at once for the
   * first change after a quiet window, and once per window while the store flaps, so a store that
   * half works cannot flood the log or wake the worker on every call.
   */
  private reportIfDue(): void {
    if (this.unreported === 0) return;
    const at = this.now();
    if (at.getTime() - this.reportedAt < this.windowMs) return;
    const flapping = this.unreported > 1;
    const quiet = at.getTime() - this.reportedAt >= 2 * this.windowMs;
    const previous = this.reported;
    const status = this.current;
    const changes = this.unreported;
    this.windowMs = flapping ? Math.min(this.windowMs * 2, REPORT_WINDOW_MAX_MS) : quiet ? REPORT_WINDOW_MIN_MS : this.windowMs;
    this.reported = status;
    this.reportedAt = at.getTime();
    this.unreported = 0;
    const cause = this.lossCause;
    this.lossCause = null;
    const flaps = flapping ? { changes, nextReportInMs: this.windowMs } : {};
    if (status.state === previous.state) {
      this.logger.warn({ state: status.state, lastError: this.latestError, ...flaps }, STORE_CONNECTION_LOG.flapping);
      return;
    }
    if (status.state === 'unreachable') {
      this.logger.error({ err: cause?.err ?? status.lastError, step: cause?.step, ...flaps }, STORE_CONNECTION_LOG.lost);
      this.onChange(status, previous);
    } else {
      const ended = Object.freeze({ ...previous, lastError: this.latestError });
      this.logger.info({ downMs: status.since.getTime() - previous.since.getTime(), lastError: this.latestError, ...flaps }, STORE_CONNECTION_LOG.restored);
      this.onChange(status, ended);
    }
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
