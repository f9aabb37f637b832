/**
 * Working on more jobs than one `listJobs` page holds: read up to a limit by following cursors, and
 * retry a list of jobs one by one, reporting the ones that could not be retried instead of stopping
 * at the first. The dashboard's failure groups and workers page and the HTTP API's retry-by-filter
 * share these.
 */
import { ConveyorConfigError, ConveyorNotFoundError, ConveyorStateError } from '../errors.js';
import type { Job } from '../job.js';
import type { JobListFilter, JobListPage } from '../store/store.js';

/** What `listJobsUpTo` reads with: `conveyor.listJobs`. */
export type JobLister = { listJobs(filter: JobListFilter, page: { cursor: string | null; limit: number }): Promise<JobListPage> };

/** What `retryEach` retries with: `conveyor.retry`. */
export type JobRetrier = { retry(id: string): Promise<Job> };

/** The largest page `conveyor.listJobs` returns. */
const LIST_PAGE_MAX = 1000;

export interface JobsUpTo {
  /** Matching jobs, newest first, at most `limit`. */
  jobs: Job[];
  /** True when more jobs matched than were read. */
  capped: boolean;
}

/** Why one job of a `retryEach` was not retried. */
export interface RetryFailure {
  id: string;
  error: {
    /** `conflict`: its state does not allow a retry, or its dedup key is held again; `not_found`: it is gone. */
    code: 'conflict' | 'not_found';
    message: string;
  };
}

export interface RetryEachResult {
  /** Ids of the jobs queued again, in the order given. */
  retried: string[];
  failed: RetryFailure[];
}

/**
 * Up to `limit` jobs matching `filter`, newest first, following `nextCursor`. A text search reads a
 * window of ids per page, so one page can fall short (even be empty) while older matches remain;
 * this keeps reading until it has `limit` jobs or the list ends.
 *
 * @example
 * const { jobs, capped } = await listJobsUpTo(conveyor, { states: ['dead'] }, 10_000);
 */
export async function listJobsUpTo(conveyor: JobLister, filter: JobListFilter, limit: number): Promise<JobsUpTo> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new ConveyorConfigError('listJobsUpTo limit', `is ${limit}, not a positive integer`, '10000');
  const jobs: Job[] = [];
  let cursor: string | null = null;
  do {
    const page = await conveyor.listJobs(filter, { cursor, limit: Math.min(LIST_PAGE_MAX, limit - jobs.length) });
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null && jobs.length < limit);
  return { jobs, capped: cursor !== null };
}

/**
 * Queue each job again, now, one by one, so a job that cannot be retried (it changed state since it
 * was listed, its dedup key is held again, or it was pruned) is reported and the others still go.
 * Errors other than those two (the store is down…) are thrown.
 *
 * @example
 * const { retried, failed } = await retryEach(conveyor, (await listJobsUpTo(conveyor, { states: ['dead'] }, 1000)).jobs);
 */
export async function retryEach(conveyor: JobRetrier, jobs: readonly Pick<Job, 'id'>[]): Promise<RetryEachResult> {
  const result: RetryEachResult = { retried: [], failed: [] };
  for (const { id } of jobs) {
    try {
      result.retried.push((await conveyor.retry(id)).id);
    } catch (error) {
      if (error instanceof ConveyorStateError) result.failed.push({ id, error: { code: 'conflict', message: error.message } });
      else if (error instanceof ConveyorNotFoundError) result.failed.push({ id, error: { code: 'not_found', message: error.message } });
      else throw error;
    }
  }
  return result;
}
