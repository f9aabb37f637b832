/**
 * Collects the outcomes of finished attempts and writes them in one store transaction per batch:
 * whatever finished while the previous write was in flight goes in the next one. A failed write is
 * retried with backoff, so an outcome is never dropped while the store is briefly unreachable.
 */
import type { Logger } from '../logger.js';
import type { JobStateUpdate, Store } from '../store/store.js';

interface Pending {
  update: JobStateUpdate;
  resolve: (applied: boolean) => void;
}

const MAX_BATCH = 500;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 5_000;

export class CompletionBatcher {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the update is stored: true when applied, false when the lease had been lost. */
  record(update: JobStateUpdate): Promise<boolean> {
    return new Promise((resolve) => {
      this.queue.push({ update, resolve });
      this.flushing ??= this.flushAll();
    });
  }

  /** Resolves when everything recorded so far is stored. */
  async drain(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  private async flushAll(): Promise<void> {
    // Let outcomes that finish in the same tick join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const results = await this.writeWithRetry(batch.map((pending) => pending.update));
      batch.forEach((pending, index) => pending.resolve(results[index]?.applied ?? false));
    }
    this.flushing = null;
  }

  private async writeWithRetry(updates: JobStateUpdate[]): Promise<Array<{ id: string; applied: boolean }>> {
    for (let delayMs = RETRY_MIN_MS; ; delayMs = Math.min(RETRY_MAX_MS, delayMs * 2)) {
      try {
        return await this.store.jobSetStateIfRunningMany({ updates });
      } catch (error) {
        this.logger.error({ err: error, jobs: updates.length, retryInMs: delayMs }, 'recording job outcomes failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delayMs * (0.5 + Math.random() / 2)));
      }
    }
  }
}
