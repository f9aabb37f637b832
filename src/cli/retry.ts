/**
 * `conveyor retry <id>` queues one job again; `conveyor retry --state dead …` every job a filter
 * matches, with the filters, default and cap of `POST /jobs/retry`, one job at a time so a job that
 * cannot be retried is reported and the others still go.
 */
import { Command } from 'commander';
import { listJobsUpTo, retryEach, type RetryEachResult } from '../client/job-batches.js';
import { ConveyorConfigError } from '../errors.js';
import { RETRYABLE_STATES, type Job } from '../job.js';
import { MAX_RETRY_BATCH } from '../server/routes/job-schemas.js';
import type { Conveyor } from '../conveyor.js';
import { addJobFilterOptions, hasJobFilter, jobFilter, type JobFilterOptions } from './job-filter.js';
import { notFoundIn } from './not-found.js';
import { boundedIntegerOption } from './parse-options.js';
import { startProgress } from './progress.js';
import { withCliConveyor } from './store.js';
import { print } from './table.js';

interface RetryCommandOptions extends JobFilterOptions {
  limit?: number;
  json?: boolean;
}

/** As `POST /jobs/retry`: the 100 newest matching jobs by default. */
const DEFAULT_RETRY_LIMIT = 100;

export function retryCommand(): Command {
  const command = new Command('retry')
    .description(`queue a failed, dead, cancelled or succeeded job again, now; or, with filters, up to ${MAX_RETRY_BATCH} matching jobs, newest first`)
    .argument('[id]', 'job id; leave it out and give filters to retry many');
  return addJobFilterOptions(command, RETRYABLE_STATES, `retry jobs in these states, comma-separated: ${RETRYABLE_STATES.join(', ')} (default: dead)`)
    .option('--limit <n>', `retry at most this many matching jobs, newest first, 1–${MAX_RETRY_BATCH} (default: ${DEFAULT_RETRY_LIMIT})`, boundedIntegerOption(1, MAX_RETRY_BATCH, '500'))
    .option('--json', 'print the result as JSON')
    .action(async (id: string | undefined, options: RetryCommandOptions, command: Command) => {
      const byFilter = hasJobFilter(options) || options.limit !== undefined;
      if (id !== undefined && byFilter) {
        throw new ConveyorConfigError('<id>', 'cannot go with filter options; retry one job by its id, or many by filter', '`conveyor retry 42`, or `conveyor retry --state dead --task email.send`');
      }
      if (id === undefined && !byFilter) {
        throw new ConveyorConfigError('conveyor retry', 'needs a job id, or filter options to retry many', '`conveyor retry 42`, or `conveyor retry --state dead` for the 100 newest dead jobs');
      }
      await withCliConveyor(command, async (conveyor, url) => {
        if (id !== undefined) {
          const job = await notFoundIn(url, () => conveyor.retry(id));
          print(options.json === true ? JSON.stringify(job, null, 2) : `job ${job.id} (${job.task}, queue ${job.queue}): ${job.state} again, ${job.attempt}/${job.maxAttempts} attempts used`);
          return;
        }
        await retryByFilter(conveyor, options);
      });
    });
}

async function retryByFilter(conveyor: Conveyor, options: RetryCommandOptions): Promise<void> {
  const filter = { ...jobFilter(options), states: options.state ?? ['dead'] };
  const { jobs, capped } = await listJobsUpTo(conveyor, filter, options.limit ?? DEFAULT_RETRY_LIMIT);
  const result = await retryWithProgress(conveyor, jobs);
  if (options.json === true) {
    print(JSON.stringify({ matched: jobs.length, capped, ...result }, null, 2));
    return;
  }
  const lines = [jobs.length === 0 ? 'no jobs match; nothing retried' : `retried ${result.retried.length} of ${jobs.length} matching job(s)`];
  for (const failure of result.failed) lines.push(`  job ${failure.id} not retried (${failure.error.code}): ${failure.error.message}`);
  if (capped) lines.push(`more jobs match: only the newest ${jobs.length} were taken (--limit); run again for the next ones`);
  print(lines.join('\n'));
}

/** `retryEach` a job at a time, so the counter moves as they go; the same outcomes as one call over all. */
async function retryWithProgress(conveyor: Conveyor, jobs: readonly Job[]): Promise<RetryEachResult> {
  const progress = startProgress('retried', jobs.length);
  const result: RetryEachResult = { retried: [], failed: [] };
  try {
    for (const [index, job] of jobs.entries()) {
      const one = await retryEach(conveyor, [job]);
      result.retried.push(...one.retried);
      result.failed.push(...one.failed);
      progress.update(index + 1);
    }
  } finally {
    progress.end();
  }
  return result;
}
