/**
 * Failure groups: failed and dead jobs grouped by the fingerprint of their latest error (see
 * `error-fingerprint.ts`), each with its count, when it was first and last seen, a sample job, and
 * the tasks and queues it hit, so an operator sees "one bug, 1,200 jobs" and can retry them all once
 * the fix is out. The stores write each job's fingerprint with its error and keep the counts by
 * fingerprint (`kept-counts.ts`), so a report reads one row per group and task and queue, then three
 * index ranges and one job per group, however many jobs failed. The HTTP API and the dashboard read
 * them through `conveyor.insights`.
 */
import { listJobsUpTo, retryEach, type JobLister, type JobRetrier, type JobsUpTo, type RetryEachResult } from '../client/job-batches.js';
import type { Job, JobState } from '../job.js';
import type { ErrorFingerprint } from '../store/error-fingerprint.js';
import { latestErrorFingerprint, NO_ERROR_RECORDED } from '../store/failure-fingerprints.js';
import type { FailureCount, Store } from '../store/store.js';

/** The states a failure group collects: retrying (`failed`) and given up (`dead`). */
export const FAILURE_STATES: readonly JobState[] = ['failed', 'dead'];

/**
 * @default 10,000: the most failed and dead jobs without a fingerprint (they failed before the store
 * kept them) given one per report; and the newest failed and dead jobs a group's retry reads.
 */
export const DEFAULT_FAILURE_SCAN_LIMIT = 10_000;

export interface FailureGroup extends ErrorFingerprint {
  count: number;
  /** How many of the group's jobs are retrying (`failed`) and how many gave up (`dead`). */
  failed: number;
  dead: number;
  /** Earliest and latest time one of the group's jobs last failed. */
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** How many of its jobs failed in the hour before the report: how much the group grew lately. */
  lastHour: number;
  /** The group's newest job, with its error as recorded. */
  sample: { jobId: string; task: string; queue: string; message: string; stack: string | null };
  tasks: string[];
  queues: string[];
}

export interface FailureGroupReport {
  /** Biggest first; ties: most recently seen first. */
  groups: FailureGroup[];
  /** Failed and dead jobs the groups count. */
  scanned: number;
  /**
   * True when failed or dead jobs are left out: more than `limit` had no fingerprint yet (they failed
   * before the store kept them), and the next reports take the next `limit`.
   */
  capped: boolean;
  limit: number;
}

export interface RetryGroupResult extends RetryEachResult {
  /** Jobs of the group found in the scan. */
  matched: number;
}

/** The failed and dead jobs, newest first, at most `limit`. */
export function scanFailedJobs(conveyor: JobLister, limit: number = DEFAULT_FAILURE_SCAN_LIMIT): Promise<JobsUpTo> {
  return listJobsUpTo(conveyor, { states: [...FAILURE_STATES] }, limit);
}

/** The fingerprint of a failed or dead job: that of its latest error. */
export function jobFingerprint(job: Job): ErrorFingerprint {
  return latestErrorFingerprint(job.errors.at(-1));
}

/** A failure within this long before a report counts in its group's `lastHour`. */
export const RECENT_FAILURE_WINDOW_MS = 3_600_000;

/** The store reads a report makes. */
export type FailureStore = Pick<Store, 'jobs'>;

/** How many groups' times and samples are read at once. */
const GROUP_READS_AT_ONCE = 8;

/**
 * The report as of `now`: the kept counts by fingerprint (after writing the fingerprints of up to
 * `limit` failed and dead jobs when some have none), then each group's times and newest job.
 */
export async function loadFailureGroups(store: FailureStore, limit: number = DEFAULT_FAILURE_SCAN_LIMIT, now: Date = new Date()): Promise<FailureGroupReport> {
  let counts = await store.jobs.countFailures();
  if (counts.some((count) => count.fingerprint === null) && (await store.jobs.fingerprintFailures({ limit })) > 0) counts = await store.jobs.countFailures();
  const byFingerprint = new Map<string, FailureCount[]>();
  let unfingerprinted = 0;
  for (const count of counts) {
    if (count.fingerprint === null) {
      unfingerprinted += count.count;
      continue;
    }
    byFingerprint.set(count.fingerprint, [...(byFingerprint.get(count.fingerprint) ?? []), count]);
  }
  const entries = [...byFingerprint.entries()];
  const groups: FailureGroup[] = [];
  for (let from = 0; from < entries.length; from += GROUP_READS_AT_ONCE) {
    const read = await Promise.all(entries.slice(from, from + GROUP_READS_AT_ONCE).map(([fingerprint, rows]) => readGroup(store, fingerprint, rows, now)));
    for (const group of read) if (group !== null) groups.push(group);
  }
  groups.sort((a, b) => b.count - a.count || b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  return { groups, scanned: groups.reduce((sum, group) => sum + group.count, 0), capped: unfingerprinted > 0, limit };
}

/** One group from its counts, its times and its newest job; null when its jobs left it while it was read (retried). */
async function readGroup(store: FailureStore, fingerprint: string, rows: readonly FailureCount[], now: Date): Promise<FailureGroup | null> {
  const times = await store.jobs.failureTimes({ fingerprint, since: new Date(now.getTime() - RECENT_FAILURE_WINDOW_MS) });
  const sample = times === null ? null : await store.jobs.get({ id: times.sampleJobId });
  if (times === null || sample === null) return null;
  const error = sample.errors.at(-1);
  const sum = (state: FailureCount['state'] | null) => rows.filter((row) => state === null || row.state === state).reduce((total, row) => total + row.count, 0);
  return {
    ...jobFingerprint(sample),
    fingerprint,
    count: sum(null),
    failed: sum('failed'),
    dead: sum('dead'),
    firstSeenAt: times.firstSeenAt,
    lastSeenAt: times.lastSeenAt,
    lastHour: times.recent,
    sample: { jobId: sample.id, task: sample.task, queue: sample.queue, message: error?.message ?? NO_ERROR_RECORDED.message, stack: error?.stack ?? null },
    tasks: [...new Set(rows.map((row) => row.task))].sort(),
    queues: [...new Set(rows.map((row) => row.queue))].sort(),
  };
}

/**
 * Queue again, now, every failed or dead job of the group among the newest `limit`. One by one, so a
 * job that cannot be retried (its dedup key is held again, or it changed state since the scan) is
 * reported and the others still go.
 */
export async function retryFailureGroup(conveyor: JobLister & JobRetrier, fingerprint: string, limit: number = DEFAULT_FAILURE_SCAN_LIMIT): Promise<RetryGroupResult> {
  const { jobs } = await scanFailedJobs(conveyor, limit);
  const members = jobs.filter((job) => jobFingerprint(job).fingerprint === fingerprint);
  return { matched: members.length, ...(await retryEach(conveyor, members)) };
}
