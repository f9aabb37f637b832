/**
 * What a queue's page shows, loaded through the Conveyor client: its pause switch and limits, its
 * jobs by state, its finished jobs per minute over the last hour and per hour over the last day, the
 * start latency of a bounded sample of its latest jobs, and the workers that serve it. Every read is
 * bounded whatever the store holds: the counts come from the state indexes, the charts from the
 * finished-jobs index, each closed slice counted once per Conveyor (`FinishedSliceCounter`), the sample is one page of `LATENCY_SAMPLE_SIZE` jobs.
 */
import type { Conveyor, WorkerStatus } from '../conveyor.js';
import type { JobState } from '../job.js';
import { latencyPercentiles, type LatencyPercentiles } from '../insights/queue-latency.js';
import { DEPTH_STATES, type DepthState } from '../insights/queue-overview.js';
import type { JobFinishedInInterval, QueueLimits } from '../store/store.js';
import { NO_QUEUE_LIMITS } from '../client/queue-limits.js';

/** How many of the queue's latest started jobs the latency percentiles are computed over: 1,000 cost ~20 ms a refresh at 1M jobs (bench:dashboard), 500 half that, and still put p99 on the 5th-slowest wait. */
export const LATENCY_SAMPLE_SIZE = 500;
/** How far back the percentiles look. */
export const LATENCY_WINDOW_MS = 3_600_000;
/** The states of a job that has started an attempt (a cancelled job may never have). */
const STARTED_STATES: JobState[] = ['running', 'succeeded', 'failed', 'dead'];

/** Jobs of the queue finished in one slice of a chart. */
export interface FinishedSlice {
  from: Date;
  succeeded: number;
  dead: number;
  cancelled: number;
}

export interface QueueChart {
  title: string;
  sliceMs: number;
  slices: FinishedSlice[];
}

export interface QueuePageData {
  name: string;
  paused: boolean;
  pausedAt: Date | null;
  limits: QueueLimits;
  depth: Record<DepthState, number>;
  charts: QueueChart[];
  latency: LatencyPercentiles;
  /** How many jobs the latency sample held (≤ `LATENCY_SAMPLE_SIZE`). */
  latencySampled: number;
  workers: WorkerStatus[];
  now: Date;
}

/** The queue's page data; null for a queue nobody knows (no jobs, no operator state, no worker). */
export async function loadQueuePage(conveyor: Conveyor, name: string, now: Date = new Date()): Promise<QueuePageData | null> {
  const minute = 60_000;
  const hour = 60 * minute;
  const hourFrom = new Date(Math.floor(now.getTime() / minute) * minute - 59 * minute);
  const dayFrom = new Date(Math.floor(now.getTime() / hour) * hour - 23 * hour);
  // Bounded: the sample is one page; the charts read the finished-jobs index only for slices not yet counted.
  const [states, counts, lastHour, lastDay, sample, workers] = await Promise.all([
    conveyor.listQueues(),
    conveyor.insights.jobCounts(),
    conveyor.insights.finishedSlices(minute, 60, now),
    // The open hour is summed from the minutes: reading it would cost an hour of finished jobs per refresh.
    conveyor.insights.finishedSlices(hour, 24, now, { closedOnly: true }),
    conveyor.listJobSummaries({ queue: name, states: STARTED_STATES }, { limit: LATENCY_SAMPLE_SIZE, previewChars: 1, messageChars: 1 }),
    conveyor.listWorkers(),
  ]);
  const state = states.find((queue) => queue.name === name);
  const depth = Object.fromEntries(DEPTH_STATES.map((depthState) => [depthState, 0])) as Record<DepthState, number>;
  for (const group of counts) if (group.queue === name && group.state !== 'succeeded') depth[group.state] += group.count;
  const serving = workers.filter((worker) => worker.queues.includes(name));
  const known = state !== undefined || counts.some((group) => group.queue === name) || serving.length > 0 || sample.jobs.length > 0 || [...lastDay, ...lastHour].some((row) => row.queue === name);
  if (!known) return null;
  return {
    name,
    paused: state?.paused ?? false,
    pausedAt: state?.pausedAt ?? null,
    limits: state?.limits ?? NO_QUEUE_LIMITS,
    depth,
    charts: [
      { title: 'Last hour, per minute', sliceMs: minute, slices: slicesOf(name, lastHour, hourFrom, minute, 60) },
      { title: 'Last day, per hour', sliceMs: hour, slices: slicesOf(name, [...lastDay, ...withinOpenHour(lastHour, now, hour)], dayFrom, hour, 24) },
    ],
    latency: latencyPercentiles(sample.jobs, new Date(now.getTime() - LATENCY_WINDOW_MS)),
    latencySampled: sample.jobs.length,
    workers: serving,
    now,
  };
}

/** The minute rows of the open hour, as rows of that hour. */
function withinOpenHour(minuteRows: readonly JobFinishedInInterval[], now: Date, hour: number): JobFinishedInInterval[] {
  const openHour = Math.floor(now.getTime() / hour) * hour;
  return minuteRows.filter((row) => row.from.getTime() >= openHour).map((row) => ({ ...row, from: new Date(openHour) }));
}

/** `count` slices from `from`, each with the queue's finished jobs by final state (zero where none). */
export function slicesOf(queue: string, rows: readonly JobFinishedInInterval[], from: Date, sliceMs: number, count: number): FinishedSlice[] {
  const slices = Array.from({ length: count }, (_, index) => ({ from: new Date(from.getTime() + index * sliceMs), succeeded: 0, dead: 0, cancelled: 0 }));
  for (const row of rows) {
    if (row.queue !== queue) continue;
    const slice = slices[Math.round((row.from.getTime() - from.getTime()) / sliceMs)];
    if (slice !== undefined) slice[row.state] += row.count;
  }
  return slices;
}
