/** `conveyor enqueue <task> <json> --tasks <module>`: validate the input against the task's schema and store a job. */
import { Command } from 'commander';
import type { EnqueueOptions } from '../client/enqueue.js';
import { ConveyorConfigError, ConveyorNotFoundError } from '../errors.js';
import { loadTaskModule } from './load-tasks.js';
import { integerOption } from './parse-options.js';
import { openCliConveyor } from './store.js';

interface EnqueueCommandOptions {
  tasks: string;
  delayMs?: number;
  priority?: number;
  dedupKey?: string;
  maxAttempts?: number;
  json?: boolean;
}

export function enqueueCommand(): Command {
  return new Command('enqueue')
    .description("enqueue a job by task name; the input is checked against the task's schema and nothing is stored when it fails")
    .argument('<task>', 'task name, e.g. report.export')
    .argument('<json>', 'the input as JSON, e.g. \'{"from":"2024-01-01","to":"2024-01-31"}\'')
    .requiredOption('--tasks <module>', 'file exporting the tasks (the same one `conveyor worker` runs)')
    .option('--delay-ms <ms>', 'run no sooner than this many milliseconds from now', integerOption('60000'))
    .option('--priority <n>', "higher runs first (default: the task's)", integerOption('10'))
    .option('--dedup-key <key>', 'while a job of this task with this key is unfinished, return it instead')
    .option('--max-attempts <n>', "attempts in all (default: the task's retry.maxAttempts)", integerOption('5'))
    .option('--json', 'print the result as JSON')
    .action(async (taskName: string, json: string, options: EnqueueCommandOptions, command: Command) => {
      const input = parseJsonArgument(json);
      const { tasks } = await loadTaskModule(options.tasks);
      if (!tasks.some((task) => task.name === taskName)) {
        throw new ConveyorNotFoundError(`Unknown task "${taskName}": ${options.tasks} exports ${tasks.map((task) => `"${task.name}"`).join(', ')}`);
      }
      const { conveyor } = await openCliConveyor(command, tasks);
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
