/** `conveyor jobs`: list and search jobs with the HTTP API's filters, newest first, a page at a time. */
import { Command, InvalidArgumentError } from 'commander';
import { JOB_STATES } from '../job.js';
import { parseJobId } from '../store/encoding.js';
import type { JobSummary } from '../store/store.js';
import { addJobFilterOptions, jobFilter, type JobFilterOptions } from './job-filter.js';
import { boundedIntegerOption } from './parse-options.js';
import { withCliConveyor } from './store.js';
import { formatTable, formatTime, print } from './table.js';

interface JobsCommandOptions extends JobFilterOptions {
  limit?: number;
  cursor?: string;
  json?: boolean;
}

/** As `GET /jobs`: at most 1000 jobs a page, 50 by default. */
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 50;
/** The input preview a table row shows; `--json` has the API's 200. */
const TABLE_PREVIEW_CHARS = 40;
const JSON_PREVIEW_CHARS = 200;
const JSON_MESSAGE_CHARS = 500;

export function jobsCommand(): Command {
  const command = new Command('jobs').description('list jobs, newest first, filtered as GET /jobs filters them; a table, or JSON with --json');
  return addJobFilterOptions(command, JOB_STATES, `only jobs in these states, comma-separated: ${JOB_STATES.join(', ')}`)
    .option('--limit <n>', `jobs per page, 1–${MAX_PAGE} (default: ${DEFAULT_PAGE})`, boundedIntegerOption(1, MAX_PAGE, '100'))
    .option('--cursor <cursor>', 'the next page: pass the cursor printed after the previous one', cursorOption)
    .option('--json', 'print the page as a JSON array of job summaries (the next cursor goes to stderr)')
    .action(async (options: JobsCommandOptions, command: Command) => {
      await withCliConveyor(command, async (conveyor) => {
        const json = options.json === true;
        const page = await conveyor.listJobSummaries(jobFilter(options), {
          cursor: options.cursor ?? null,
          limit: options.limit ?? DEFAULT_PAGE,
          previewChars: json ? JSON_PREVIEW_CHARS : TABLE_PREVIEW_CHARS,
          messageChars: JSON_MESSAGE_CHARS,
        });
        const more = page.nextCursor === null ? null : `more jobs: add --cursor ${page.nextCursor}`;
        if (json) {
          print(JSON.stringify(page.jobs, null, 2));
          if (more !== null) process.stderr.write(`${more}\n`);
          return;
        }
        // A text search reads a bounded window per page: a page can be empty while older jobs remain.
        print(page.jobs.length === 0 ? (more === null ? 'no jobs match' : 'no jobs match on this page') : formatJobTable(page.jobs));
        if (more !== null) print(more);
      });
    });
}

function cursorOption(value: string): string {
  if (parseJobId(value) === null) throw new InvalidArgumentError('It is not a cursor conveyor printed; pass the one after "more jobs: add --cursor" unchanged, e.g. 1234.');
  return value;
}

function formatJobTable(jobs: readonly JobSummary[]): string {
  return formatTable(
    ['ID', 'TASK', 'QUEUE', 'STATE', 'ATTEMPT', 'CREATED (UTC)', 'INPUT'],
    jobs.map((job) => [job.id, job.task, job.queue, job.state, `${job.attempt}/${job.maxAttempts}`, formatTime(job.createdAt), job.inputPreview]),
  );
}
