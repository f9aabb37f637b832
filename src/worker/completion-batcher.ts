/**
 * Collects the outcomes of finished attempts and writes them in one store transaction per batch:
 * whatever finished while the previous write was in flight goes in the next one. A failed write is
 * retried with backoff and jitter, so an outcome is never dropped while the store is briefly
 * unreachable. Only `drain` with a bound (the worker stopping during an outage) gives up, and it
 * says which outcomes it gave up on.
 */
import type { JobStateUpdate, Store } from '../store/store.js';
import { settledWithin } from './settled-within.js';
import type { StoreConnectionTracker } from './store-connection.js';
import { storeRetryDelayMs } from './store-retry.js';

/**
 * How recording an outcome ended: `applied`; `skipped` because the attempt had lost its lease (another
 * worker owns the job); or `unrecorded` because the worker stopped before the store took it.
 */
export type RecordResult = 'applied' | 'skipped' | 'unrecorded';

interface Pending {
  update: JobStateUpdate;
  resolve: (result: RecordResult) => void;
}

const MAX_BATCH = 500;
const RETRY_MIN_MS = 50;

export class CompletionBatcher {
  private queue: Pending[] = [];
  /** The batch whose write is in flight (or waiting to be retried). */
  private writing: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private abandoned = false;
  private interruptRetryWait: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly connection: StoreConnectionTracker,
  ) {}

  /** Resolves once the update is stored (or given up on by `drain`). */
  record(update: JobStateUpdate): Promise<RecordResult> {
    if (this.abandoned) return Promise.resolve('unrecorded');
    return new Promise((resolve) => {
      this.queue.push({ update, resolve });
      this.flushing ??= this.flushAll();
    });
  }

  /**
   * Wait until everything recorded so far is stored, or `timeoutMs` pass. On time-out, stop retrying,
   * resolve every pending `record` with `unrecorded`, and return those updates. A write already sent
   * may still reach the store after that: the returned outcomes are not confirmed, not surely lost.
   */
  async drain(timeoutMs: number): Promise<JobStateUpdate[]> {
    if (await settledWithin(this.flushed(), timeoutMs)) return [];
    this.abandoned = true;
    const given = [...this.writing.splice(0), ...this.queue.splice(0)];
    for (const pending of given) pending.resolve('unrecorded');
    this.interruptRetryWait?.();
    return given.map((pending) => pending.update);
  }

  private async flushed(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  private async flushAll(): Promise<void> {
    // Let outcomes that finish in the same tick join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0 && !this.abandoned) {
      this.writing = this.queue.splice(0, MAX_BATCH);
      const results = await this.writeWithRetry(this.writing.map((pending) => pending.update));
      // Empty when `drain` gave up on the batch meanwhile; it resolved them already.
      const batch = this.writing.splice(0);
      if (results === null) break;
      batch.forEach((pending, index) => pending.resolve(results[index]?.applied === true ? 'applied' : 'skipped'));
    }
    this.flushing = null;
  }

  /** The store's answer, or null once `drain` gave up. */
  private async writeWithRetry(updates: JobStateUpdate[]): Promise<Array<{ id: string; applied: boolean }> | null> {
    for (let failures = 1; !this.abandoned; failures++) {
      try {
        return await this.connection.observe('recording job outcomes', () => this.store.jobSetStateIfRunningMany({ updates }));
      } catch {
        // The connection tracker logged it; wait and write the same batch again.
        if (!this.abandoned) await this.waitBeforeRetry(storeRetryDelayMs(failures, RETRY_MIN_MS));
      }
    }
    return null;
  }

  private waitBeforeRetry(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interruptRetryWait = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interruptRetryWait = done;
    });
  }
}
