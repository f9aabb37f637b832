/**
 * `conveyor enqueue <task> <json> --tasks <module>`: validate the input against the task's schema and
 * store a job; `--file jobs.ndjson` stores a job per line, all or none (`enqueue-file.ts`).
 */
import { Command } from 'commander';
import type { EnqueueOptions } from '../client/enqueue.js';
import { ConveyorConfigError, ConveyorNotFoundError } from '../errors.js';
import { readJobFile } from './enqueue-file.js';
import { loadTaskModule } from './load-tasks.js';
import { integerOption } from './parse-options.js';
import { openCliConveyor } from './store.js';

interface EnqueueCommandOptions {
  tasks: string;
  delayMs?: number;
  priority?: number;
  dedupKey?: string;
  maxAttempts?: number;
  file?: string;
  json?: boolean;
}

/** The options that set one job's options, refused with `--file`, where each line sets its own. */
const SINGLE_JOB_OPTIONS = [
  ['delayMs', '--delay-ms'],
  ['priority', '--priority'],
  ['dedupKey', '--dedup-key'],
  ['maxAttempts', '--max-attempts'],
] as const;

export function enqueueCommand(): Command {
  return new Command('enqueue')
    .description("enqueue a job by task name; the input is checked against the task's schema and nothing is stored when it fails")
    .argument('[task]', 'task name, e.g. report.export (not with --file)')
    .argument('[json]', 'the input as JSON, e.g. \'{"from":"2024-01-01","to":"2024-01-31"}\' (not with --file)')
    .requiredOption('--tasks <module>', 'file exporting the tasks (the same one `conveyor worker` runs)')
    .option('--delay-ms <ms>', 'run no sooner than this many milliseconds from now', integerOption('60000'))
    .option('--priority <n>', "higher runs first (default: the task's)", integerOption('10'))
    .option('--dedup-key <key>', 'while a job of this task with this key is unfinished, return it instead')
    .option('--max-attempts <n>', "attempts in all (default: the task's retry.maxAttempts)", integerOption('5'))
    .option('--file <path>', 'enqueue a job per line of this file (NDJSON, each line as a POST /jobs/bulk item: {"task":…,"input":…,"options":…}); every line is checked first, then all are stored or none')
    .option('--json', 'print the result as JSON')
    .action(async (taskName: string | undefined, json: string | undefined, options: EnqueueCommandOptions, command: Command) => {
      if (options.file !== undefined) return enqueueFile(options.file, taskName, options, command);
      if (taskName === undefined) {
        throw new ConveyorConfigError('conveyor enqueue', 'needs a task name and its input as JSON, or --file with a job per line', `conveyor enqueue email.send '{"to":"ada@example.com"}' --tasks src/tasks.ts`);
      }
      if (json === undefined) {
        throw new ConveyorConfigError('<json>', `is missing: give the input of "${taskName}" as JSON after the task name; quote it for the shell`, `'{"to":"ada@example.com","subject":"Welcome"}'`);
      }
      const input = parseJsonArgument(json);
      const { tasks } = await loadTaskModule(options.tasks);
      if (!tasks.some((task) => task.name === taskName)) {
        throw new ConveyorNotFoundError(`Unknown task "${taskName}": ${options.tasks} exports ${tasks.map((task) => `"${task.name}"`).join(', ')}`);
      }
      const { conveyor } = await openCliConveyor(command, { tasks });
      try {
        const result = await conveyor.enqueue(taskName, input, enqueueOptions(options));
        const { job } = result;
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        } else if (result.duplicate) {
          process.stdout.write(`duplicate: job ${job.id} (${job.task}) already holds dedup key ${JSON.stringify(job.dedupKey)}; it is ${job.state}, nothing new was enqueued\n`);
        } else {
          process.stdout.write(`enqueued job ${job.id} (${job.task}, queue ${job.queue}): ${job.state}\n`);
        }
      } finally {
        await conveyor.close();
      }
    });
}

async function enqueueFile(file: string, taskName: string | undefined, options: EnqueueCommandOptions, command: Command): Promise<void> {
  if (taskName !== undefined) {
    throw new ConveyorConfigError('--file', `cannot go with a task name ("${taskName}"): each line names its task`, `conveyor enqueue --file jobs.ndjson --tasks src/tasks.ts`);
  }
  for (const [key, flag] of SINGLE_JOB_OPTIONS) {
    if (options[key] !== undefined) {
      throw new ConveyorConfigError(flag, 'cannot go with --file: set it in the "options" of each line', '{"task":"email.send","input":{"to":"ada@example.com"},"options":{"priority":10,"maxAttempts":3}}');
    }
  }
  const { tasks } = await loadTaskModule(options.tasks);
  const items = await readJobFile(file, tasks);
  const { conveyor } = await openCliConveyor(command, { tasks });
  try {
    if (process.stderr.isTTY === true) process.stderr.write(`storing ${items.length} job(s) in one transaction…\n`);
    const results = await conveyor.enqueueMany(items);
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      return;
    }
    const duplicates = results.filter((result) => result.duplicate).length;
    process.stdout.write(`enqueued ${results.length - duplicates} job(s) from ${file}${duplicates === 0 ? '' : `; ${duplicates} line(s) matched an unfinished job's dedup key, which was kept`}\n`);
  } finally {
    await conveyor.close();
  }
}

function parseJsonArgument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConveyorConfigError('<json>', `is not valid JSON (${(error as Error).message}); quote it for the shell`, `'{"to":"ada@example.com","subject":"Welcome"}'`);
  }
}

function enqueueOptions(options: EnqueueCommandOptions): EnqueueOptions {
  const result: EnqueueOptions = {};
  if (options.delayMs !== undefined) result.delayMs = options.delayMs;
  if (options.priority !== undefined) result.priority = options.priority;
  if (options.dedupKey !== undefined) result.dedupKey = options.dedupKey;
  if (options.maxAttempts !== undefined) result.maxAttempts = options.maxAttempts;
  return result;
}
