/**
 * What an operator reads about the jobs as a whole, computed once for every front end: queue
 * overviews, throughput, failure groups, readiness. The HTTP API, the dashboard and `/metrics` all
 * read them through `conveyor.insights`, so they show the same numbers and none reaches into the
 * store. The store calls of this module are here and in `throughput.ts`, nowhere else.
 */
import type { JobLister, JobRetrier } from '../client/job-batches.js';
import type { JobState } from '../job.js';
import { splitByKept } from '../store/kept-counts.js';
import type { JobFinishedInInterval, JobStateCount, QueueState, Store } from '../store/store.js';
import { DEFAULT_FAILURE_SCAN_LIMIT, loadFailureGroups, retryFailureGroup, type FailureGroupReport, type RetryGroupResult } from './failure-groups.js';
import { DEPTH_STATES, queueOverviewFrom, queueOverviewsFrom, THROUGHPUT_WINDOW_MS, type QueueOverview } from './queue-overview.js';
import { checkReadiness, DEFAULT_READINESS_STORE_TIMEOUT_MS, type Readiness, type ReadinessSources } from './readiness.js';
import { FinishedSliceCounter } from './finished-slices.js';
import { ThroughputCounter, type Throughput } from './throughput.js';

/** The store reads insights make themselves. */
export type InsightsStore = Pick<Store, 'jobs'>;

/** The Conveyor client calls insights are built on (so a retry wakes workers as `conveyor.retry` does). */
export interface InsightsClient extends JobLister, JobRetrier, ReadinessSources {
  listQueues(): Promise<QueueState[]>;
}

export interface ReadinessOptions {
  /** How long each store call may take before the store counts as unreachable. @default 2000 */
  storeTimeoutMs?: number;
  /** The orphan report to use, for a caller that reads it anyway. @default a fresh `conveyor.orphans()` */
  orphanReport?: () => ReturnType<ReadinessSources['orphans']>;
}

export class Insights {
  /** One per Conveyor: the buckets that closed are counted once, whichever page or scrape asks. */
  private readonly throughputCounter: ThroughputCounter;
  /** The queue pages' chart counters, by interval and slice count. */
  private readonly sliceCounters = new Map<string, FinishedSliceCounter>();

  constructor(
    private readonly store: InsightsStore,
    private readonly client: InsightsClient,
  ) {
    this.throughputCounter = new ThroughputCounter(store);
  }

  /** Jobs by queue, task and state, for every state but `succeeded` (`DEPTH_STATES`: see why there). */
  jobCounts(): Promise<JobStateCount[]> {
    return this.jobCountsIn(DEPTH_STATES);
  }

  /**
   * Jobs by queue, task and state, for these states only (a bulk action's count): the counts the
   * store keeps (`kept-counts.ts`) where it keeps them, the others counted from their rows. Counting
   * `succeeded` reads an index entry per succeeded job, the bulk of a table: name it only when it is wanted.
   */
  async jobCountsIn(states: readonly JobState[]): Promise<JobStateCount[]> {
    const { kept, counted } = splitByKept(states);
    const [fromRows, fromKept] = await Promise.all([
      counted.length === 0 ? [] : this.store.jobs.countByGroup({ states: counted }),
      this.store.jobs.countKept({ states: kept }),
    ]);
    return [...fromRows.map(({ task, queue, state, count }) => ({ task, queue, state, count })), ...fromKept];
  }

  /**
   * Every queue that has jobs or operator state, by name: depth by state, jobs finished in the
   * `THROUGHPUT_WINDOW_MS` before `now`, pause state and limits.
   *
   * @example
   * for (const queue of await conveyor.insights.queueOverviews()) console.log(queue.name, queue.depth.queued);
   */
  async queueOverviews(now: Date = new Date()): Promise<QueueOverview[]> {
    const [states, counts, finished] = await Promise.all([this.client.listQueues(), this.jobCounts(), this.finishedLastMinute(now)]);
    return queueOverviewsFrom(states, counts, finished);
  }

  /** The overview of one queue whose state the caller holds (e.g. just paused). */
  async queueOverview(state: QueueState, now: Date = new Date()): Promise<QueueOverview> {
    const [counts, finished] = await Promise.all([this.jobCounts(), this.finishedLastMinute(now)]);
    return queueOverviewFrom(state, counts, finished);
  }

  /** Jobs finished per queue in each five-minute bucket of the hour before `now` (see `throughput.ts`). */
  throughput(now: Date = new Date()): Promise<Throughput> {
    return this.throughputCounter.load(now);
  }

  /**
   * Jobs finished per queue and final state in each of the last `count` slices of `intervalMs` on the
   * clock (the newest ending at `now`), read from the finished-jobs index; slices that closed are
   * counted once per Conveyor (`finished-slices.ts`); `closedOnly` leaves the open slice out. A queue page charts its own rows.
   */
  finishedSlices(intervalMs: number, count: number, now: Date = new Date(), options: { closedOnly?: boolean } = {}): Promise<JobFinishedInInterval[]> {
    const key = `${intervalMs}x${count}`;
    let counter = this.sliceCounters.get(key);
    if (counter === undefined) {
      counter = new FinishedSliceCounter(this.store, intervalMs, count);
      this.sliceCounters.set(key, counter);
    }
    return counter.load(now, options);
  }

  /** Failed and dead jobs grouped by error fingerprint (`failure-groups.ts`); `limit` bounds the jobs fingerprinted late per report. */
  failureGroups(limit: number = DEFAULT_FAILURE_SCAN_LIMIT): Promise<FailureGroupReport> {
    return loadFailureGroups(this.store, limit);
  }

  /** Retry, one by one, every failed or dead job of the group among the newest `limit`; `matched` 0 when the group has none. */
  retryFailureGroup(fingerprint: string, limit: number = DEFAULT_FAILURE_SCAN_LIMIT): Promise<RetryGroupResult> {
    return retryFailureGroup(this.client, fingerprint, limit);
  }

  /** Whether jobs enqueued now will run, check by check (`readiness.ts`); never rejects for a store that does not answer. */
  readiness(options: ReadinessOptions = {}): Promise<Readiness> {
    return checkReadiness(this.client, options.storeTimeoutMs ?? DEFAULT_READINESS_STORE_TIMEOUT_MS, options.orphanReport);
  }

  private finishedLastMinute(now: Date) {
    return this.store.jobs.countFinishedSince({ since: new Date(now.getTime() - THROUGHPUT_WINDOW_MS) });
  }
}
