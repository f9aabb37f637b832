/**
 * How long a queue's jobs waited to start: from when they could first run (the later of enqueued
 * and `runAt`) to when an attempt started, as percentiles over a bounded sample of recent jobs. A
 * retried job's `startedAt` is its latest attempt's, so its wait includes its retries' back-off: the
 * sample takes it as an operator sees it ("how long until it ran").
 */

/** What a wait is measured from: a job's times. */
export interface StartedJobTimes {
  createdAt: Date;
  runAt: Date;
  startedAt: Date | null;
}

export interface LatencyPercentiles {
  /** How many jobs of the sample started in the window. */
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** Milliseconds from when the job could run to its start; null when it has not started. */
export function startLatencyMs(job: StartedJobTimes): number | null {
  if (job.startedAt === null) return null;
  const ready = Math.max(job.createdAt.getTime(), job.runAt.getTime());
  return Math.max(0, job.startedAt.getTime() - ready);
}

/**
 * p50/p90/p99 of the start latency of the jobs that started at or after `since`, by the
 * nearest-rank method (the smallest value with at least p% of the values at or below it).
 *
 * @example
 * latencyPercentiles(sample, new Date(Date.now() - 3_600_000)) // { count: 3, p50: 40, p90: 900, p99: 900 }
 */
export function latencyPercentiles(jobs: readonly StartedJobTimes[], since: Date): LatencyPercentiles {
  const waits = jobs
    .filter((job) => job.startedAt !== null && job.startedAt.getTime() >= since.getTime())
    .map(startLatencyMs)
    .filter((wait): wait is number => wait !== null)
    .sort((a, b) => a - b);
  const rank = (percent: number): number | null => (waits.length === 0 ? null : waits[Math.max(0, Math.ceil((percent / 100) * waits.length) - 1)]!);
  return { count: waits.length, p50: rank(50), p90: rank(90), p99: rank(99) };
}
