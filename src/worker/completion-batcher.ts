/**
 * Collects the outcomes of finished attempts and writes them in one store transaction per batch:
 * whatever finished while the previous write was in flight goes in the next one.
 *
 * A write the store could not take (it was down, busy, cut off) is retried with backoff and jitter,
 * so an outcome is never dropped while the store is briefly unreachable. Only those are retried
 * (`isStoreUnavailable`): a write the store refused for its content (`isContentRefusal`: text or
 * JSON it cannot keep), or one that failed in Conveyor's own code (`isConveyorBug`), is never retried
 * as it is: the batch is written again one outcome at a time, and an outcome refused alone is replaced by the
 * `instead` update its recorder gave (a failed attempt naming the refusal), so one bad outcome can
 * never hold back the others. Only `drain` with a bound (the worker stopping during an outage) gives
 * up on outcomes, and it says which.
 */
import type { Logger } from '../logger.js';
import { isContentRefusal, isStoreUnavailable } from '../store/store-errors.js';
import type { JobStateUpdate, Store } from '../store/store.js';
import { settledWithin } from './settled-within.js';
import type { StoreConnectionTracker } from './store-connection.js';
import { storeRetryDelayMs } from './store-retry.js';

/**
 * How recording an outcome ended: `applied`; `skipped` because the attempt had lost its lease (another
 * worker owns the job); or `unrecorded` because the worker stopped before the store took it, or the
 * store refused both the outcome and its replacement.
 */
export type RecordResult = 'applied' | 'skipped' | 'unrecorded';

/** What was written for an outcome: the update itself, or its replacement when the store refused it. */
export interface Recorded {
  result: RecordResult;
  update: JobStateUpdate;
}

/** Builds the update to write instead of one the store refused for its content. */
export type RefusalReplacement = (refusal: unknown) => JobStateUpdate;

interface Pending {
  update: JobStateUpdate;
  instead: RefusalReplacement | null;
  /** Set once `resolve` was called. */
  done: boolean;
  resolve: (recorded: Recorded) => void;
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
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves once the update is stored (or its replacement `instead`, or given up on by `drain`).
   * Without `instead`, an update the store refuses for its content is given up on at once.
   */
  record(update: JobStateUpdate, instead: RefusalReplacement | null = null): Promise<Recorded> {
    if (this.abandoned) return Promise.resolve({ result: 'unrecorded', update });
    return new Promise((resolve) => {
      this.queue.push({ update, instead, done: false, resolve });
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
    const given = [...this.writing.splice(0), ...this.queue.splice(0)].filter((pending) => !pending.done);
    for (const pending of given) settle(pending, 'unrecorded', pending.update);
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
      await this.writeUntilTaken(this.writing);
      this.writing = [];
    }
    this.flushing = null;
  }

  /** Write the batch, retrying what the store could not take, until every outcome is settled or `drain` gave up. */
  private async writeUntilTaken(batch: Pending[]): Promise<void> {
    for (let failures = 1; !this.abandoned; failures++) {
      const open = batch.filter((pending) => !pending.done);
      if (open.length === 0) return;
      try {
        await this.write(open);
        return;
      } catch {
        // The connection tracker logged it; wait and write what is still open again.
        if (!this.abandoned) await this.waitBeforeRetry(storeRetryDelayMs(failures, RETRY_MIN_MS));
      }
    }
  }

  /** One write of `batch`; a batch refused for its content is split. Throws what the store could not take. */
  private async write(batch: Pending[]): Promise<void> {
    let results: Array<{ applied: boolean }>;
    try {
      results = await this.writeUpdates(batch.map((pending) => pending.update));
    } catch (error) {
      if (isStoreUnavailable(error)) throw error;
      if (batch.length === 1) return this.writeInstead(batch[0]!, error);
      for (const pending of batch) await this.write([pending]);
      return;
    }
    batch.forEach((pending, index) => settle(pending, results[index]?.applied === true ? 'applied' : 'skipped', pending.update));
  }

  /** Write the replacement of an outcome the store refused; give the outcome up if there is none, or that is refused too. */
  private async writeInstead(pending: Pending, refusal: unknown): Promise<void> {
    const { update } = pending;
    const fields = { jobId: update.id, attempt: update.attempt, outcome: update.kind, err: refusal };
    const why = isContentRefusal(refusal) ? 'the store refused this outcome for its content' : 'recording this outcome failed in Conveyor itself (a bug)';
    if (pending.instead === null) {
      this.logger.error(fields, `${why}; not recorded, the job runs again once its lease expires`);
      return settle(pending, 'unrecorded', update);
    }
    const replacement = pending.instead(refusal);
    this.logger.error(fields, `${why}; recording a failed attempt that says why instead`);
    try {
      const [result] = await this.writeUpdates([replacement]);
      settle(pending, result?.applied === true ? 'applied' : 'skipped', replacement);
    } catch (error) {
      if (isStoreUnavailable(error)) throw error;
      this.logger.error({ ...fields, err: error }, 'the store did not take the replacement either; not recorded, the job runs again once its lease expires');
      settle(pending, 'unrecorded', update);
    }
  }

  private writeUpdates(updates: JobStateUpdate[]): Promise<Array<{ applied: boolean }>> {
    return this.connection.observe('recording job outcomes', () => this.store.jobs.setStateIfRunningMany({ updates }));
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

function settle(pending: Pending, result: RecordResult, update: JobStateUpdate): void {
  if (pending.done) return;
  pending.done = true;
  pending.resolve({ result, update });
}
