/**
 * One attempt in flight on a worker: the job as claimed, and the abort switch its handler listens to.
 */
import type { Job } from '../job.js';
import type { AttemptSpan } from '../tracing/consumer.js';
import type { AbortReason, AttemptOutcome } from './outcome.js';

/** The `reason` of a handler's aborted signal. */
export class JobAbortedError extends Error {
  override name = 'JobAbortedError';
  constructor(readonly reason: AbortReason) {
    super(`Job aborted: ${reason}`);
  }
}

export class RunningJob {
  readonly controller = new AbortController();
  /** Set once, by the first `abort`. */
  abortReason: AbortReason | null = null;
  /** When the first `abort` came (ms since the epoch); null until then. */
  abortedAt: number | null = null;
  /** Settles when the worker aborts the attempt; the executor races it against the handler. */
  readonly aborted: Promise<AttemptOutcome>;
  private resolveAborted!: (outcome: AttemptOutcome) => void;
  /** Resolves once the handler has returned or thrown (whether or not it was aborted first). */
  readonly returned: Promise<void>;
  private resolveReturned!: () => void;

  constructor(
    readonly job: Job,
    /** When the claim that started it was issued: heartbeats older than this say nothing about it. */
    readonly claimedAt: number,
    readonly timeoutMs: number,
    /** The attempt's trace span (`tracing/consumer.ts`); null when nothing traces it. */
    readonly span: AttemptSpan | null = null,
  ) {
    this.aborted = new Promise((resolve) => (this.resolveAborted = resolve));
    this.returned = new Promise((resolve) => (this.resolveReturned = resolve));
  }

  /** The handler started; `returned` follows `handler`. */
  handlerRunning(handler: Promise<void>): void {
    void handler.then(this.resolveReturned);
  }

  abort(reason: AbortReason): void {
    if (this.abortReason !== null) return;
    this.abortReason = reason;
    this.abortedAt = Date.now();
    // Settle first, so the race sees the abort before whatever the handler throws in response.
    this.resolveAborted({ kind: 'aborted', reason, timeoutMs: this.timeoutMs });
    this.controller.abort(new JobAbortedError(reason));
  }
}
