/**
 * Failure groups: failed and dead jobs grouped by the fingerprint of their latest error (see
 * `error-fingerprint.ts`), each with its count, when it was first and last seen, a sample job, and
 * the tasks and queues it hit, so an operator sees "one bug, 1,200 jobs" and can retry them all once
 * the fix is out. Grouping runs here, over jobs paged from `conveyor.listJobs` newest first, up to a
 * cap: past it the report says it is based on the newest N. The HTTP API and the dashboard read them
 * through `conveyor.insights`.
 */
import { listJobsUpTo, retryEach, type JobLister, type JobRetrier, type JobsUpTo, type RetryEachResult } from '../client/job-batches.js';
import type { Job, JobState } from '../job.js';
import { fingerprintError, type ErrorFingerprint } from './error-fingerprint.js';

/** The states a failure group collects: retrying (`failed`) and given up (`dead`). */
export const FAILURE_STATES: readonly JobState[] = ['failed', 'dead'];

/** @default 10,000: the newest failed and dead jobs read for one report. */
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
  /** Failed and dead jobs read. */
  scanned: number;
  /** True when there were more than `limit`: the report covers the newest `scanned` only. */
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
  const error = job.errors.at(-1);
  return fingerprintError(error === undefined ? { message: '(no error recorded)', stack: null } : error);
}

/** A failure within this long before a report counts in its group's `lastHour`. */
export const RECENT_FAILURE_WINDOW_MS = 3_600_000;

/** Group jobs (newest first, as `listJobs` returns them) by fingerprint, as of `now`. */
export function groupFailures(jobs: readonly Job[], now: Date = new Date()): FailureGroup[] {
  const recentSince = now.getTime() - RECENT_FAILURE_WINDOW_MS;
  const groups = new Map<string, FailureGroup & { taskSet: Set<string>; queueSet: Set<string> }>();
  for (const job of jobs) {
    const fingerprint = jobFingerprint(job);
    const error = job.errors.at(-1);
    const seenAt = error?.at ?? job.updatedAt;
    let group = groups.get(fingerprint.fingerprint);
    if (group === undefined) {
      group = {
        ...fingerprint,
        count: 0,
        failed: 0,
        dead: 0,
        firstSeenAt: seenAt,
        lastSeenAt: seenAt,
        lastHour: 0,
        sample: { jobId: job.id, task: job.task, queue: job.queue, message: error?.message ?? '(no error recorded)', stack: error?.stack ?? null },
        tasks: [],
        queues: [],
        taskSet: new Set(),
        queueSet: new Set(),
      };
      groups.set(fingerprint.fingerprint, group);
    }
    group.count += 1;
    if (job.state === 'dead') group.dead += 1;
    else group.failed += 1;
    if (seenAt < group.firstSeenAt) group.firstSeenAt = seenAt;
    if (seenAt > group.lastSeenAt) group.lastSeenAt = seenAt;
    if (seenAt.getTime() >= recentSince) group.lastHour += 1;
    group.taskSet.add(job.task);
    group.queueSet.add(job.queue);
  }
  return [...groups.values()]
    .map(({ taskSet, queueSet, ...group }) => ({ ...group, tasks: [...taskSet].sort(), queues: [...queueSet].sort() }))
    .sort((a, b) => b.count - a.count || b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
}

export async function loadFailureGroups(conveyor: JobLister, limit: number = DEFAULT_FAILURE_SCAN_LIMIT): Promise<FailureGroupReport> {
  const { jobs, capped } = await scanFailedJobs(conveyor, limit);
  return { groups: groupFailures(jobs, new Date()), scanned: jobs.length, capped, limit };
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
