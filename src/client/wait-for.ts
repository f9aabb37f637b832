/**
 * `waitFor`: resolve when a job reaches a final state. A worker in this process says so at once
 * through the event bus; for workers elsewhere the store is polled, backing off from 20 ms to 500 ms.
 */
import { once } from 'node:events';
import { ConveyorNotFoundError, ConveyorTimeoutError } from '../errors.js';
import type { ConveyorEvents } from '../events.js';
import { isFinalState, type Job } from '../job.js';
import type { Store } from '../store/store.js';

export interface WaitForOptions {
  /** Give up (throwing `ConveyorTimeoutError`) after this long. @default 30_000 */
  timeoutMs?: number;
}

const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 500;

export async function waitForJob(store: Store, events: ConveyorEvents, id: string, options: WaitForOptions): Promise<Job> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    const job = await store.jobs.get({ id });
    if (job === null) throw new ConveyorNotFoundError(`No job with id "${id}"`);
    if (isFinalState(job.state)) return job;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new ConveyorTimeoutError(`Job ${id} (${job.task}) is still ${job.state} after waiting ${timeoutMs} ms`);
    }
    await nextChance(events, id, Math.min(pollMs, remaining));
    pollMs = Math.min(MAX_POLL_MS, pollMs * 2);
  }
}

/** Wait until this job finishes in this process, or `ms` pass. */
async function nextChance(events: ConveyorEvents, id: string, ms: number): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    for (;;) {
      const [finishedId] = await once(events, 'job-finished', { signal: controller.signal });
      if (finishedId === id) return;
    }
  } catch {
    // the poll interval passed
  } finally {
    clearTimeout(timer);
  }
}
