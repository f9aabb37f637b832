/**
 * The jobs of the PostgreSQL bench: the no-op task for throughput, a stamping task for latency, and
 * the jsonb records the store's batch statements read, built the way `PostgresStore` builds them.
 */
import { z } from 'zod';
import { defineTask } from '../../src/index.js';
import { QUEUE } from '../shared.js';

export const STAMP_TASK = 'bench.stamp';

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Processes on one machine share the clock,
 * so a time taken in one process can be subtracted from a time taken in another.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Latency probe: the input carries the time taken just before `enqueue()` was called, and the result
 * the time the handler started, so `result.startedAt − input.enqueuedAt` is enqueue→start.
 */
export const stamp = defineTask({
  name: STAMP_TASK,
  queue: QUEUE,
  input: z.object({ n: z.int(), enqueuedAt: z.number() }),
  run: () => ({ startedAt: wallClockMs() }),
});

/** What the store's defaults give a job enqueued with no options. */
const DEFAULT_PRIORITY = 0;
const DEFAULT_MAX_ATTEMPTS = 5;

/** `JOB_INSERT`'s $1 records for jobs of `task` with these inputs, due at `now` (the store's `insertRecord`). */
export function insertRecords(task: string, inputs: unknown[], now: Date): Array<Record<string, unknown>> {
  return inputs.map((input, ord) => ({
    ord,
    task,
    queue: QUEUE,
    input: JSON.stringify(input),
    state: 'queued',
    priority: DEFAULT_PRIORITY,
    run_at: now.toISOString(),
    max_attempts: DEFAULT_MAX_ATTEMPTS,
    dedup_key: null,
    concurrency_key: null,
    trace_context: null,
  }));
}

/** A claimed attempt, as `JOB_CLAIM` returns it (ids are bigint, so strings). */
export interface ClaimedJob {
  id: string;
  attempt: number;
}

/** `JOB_SET_STATE_IF_RUNNING`'s $1 record for a success (the store's `updateRecord` for `jobSucceeded`). */
export function succeededRecord(job: ClaimedJob, workerId: string, at: Date, result: unknown): Record<string, unknown> {
  return {
    id: Number(job.id),
    attempt: job.attempt,
    worker_id: workerId,
    kind: 'succeeded',
    at: at.toISOString(),
    result: JSON.stringify(result) ?? 'null',
    error: null,
    retry_at: null,
  };
}
