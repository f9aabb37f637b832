/**
 * Group commit for step writes: the steps a worker's concurrent attempts reach while a write is in
 * flight go in the next write, one transaction for all of them (`steps.saveMany`), each still fenced
 * by its own attempt's lease. A lone step is written at once, so nothing waits for company. A batch
 * the store refuses is written again one step at a time, so one bad step fails only its own attempt.
 */
import { systemClock, type Clock } from '../clock.js';
import type { StepRecord, Store } from '../store/store.js';

interface PendingSave {
  step: StepRecord;
  workerId: string;
  resolve: (held: boolean) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 200;

export class StepWriter {
  private queue: PendingSave[] = [];
  private flushing = false;

  constructor(
    private readonly store: Store,
    /** Where the time written with each step is read. */
    private readonly clock: Clock = systemClock,
  ) {}

  /** Write the step if its attempt holds the job; false when the fence failed. */
  save(step: StepRecord, workerId: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ step, workerId, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const held = await this.store.steps.saveMany({ saves: batch, now: this.clock.now() });
          batch.forEach((pending, index) => pending.resolve(held[index] === true));
          // Let the attempts just resolved run on to their next step, so it joins the next batch.
          await new Promise((resolve) => setImmediate(resolve));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          for (const pending of batch) {
            try {
              const [held] = await this.store.steps.saveMany({ saves: [pending], now: this.clock.now() });
              pending.resolve(held === true);
            } catch (alone) {
              pending.reject(alone);
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
