/** `conveyor worker <module>`: serve a module's tasks until SIGINT or SIGTERM, then stop gracefully. */
import { constants } from 'node:os';
import { Command } from 'commander';
import { ConveyorConfigError } from '../errors.js';
import type { Task } from '../task.js';
import { loadTaskModule } from './load-tasks.js';
import { integerOption, listOption } from './parse-options.js';
import { openCliConveyor } from './store.js';

interface WorkerCommandOptions {
  concurrency?: number;
  queues?: string[];
  leaseMs?: number;
  heartbeatMs?: number;
  drainMs?: number;
  prefetch?: number;
  pollMs?: number;
}

/**
 * The library's name of each timing option, so its checks (bounds, heartbeat under half the lease)
 * stay the only ones and their errors name the flag a user typed.
 */
const FLAG_OF_SETTING: Record<string, string> = {
  'worker leaseMs': '--lease-ms',
  'worker heartbeatIntervalMs': '--heartbeat-ms',
  'worker drainMs': '--drain-ms',
  'worker prefetch': '--prefetch',
  'worker pollIntervalMs': '--poll-ms',
};

export function workerCommand(): Command {
  return new Command('worker')
    .description('run the tasks a module exports until SIGINT/SIGTERM (a second signal exits at once)')
    .argument('<module>', 'file exporting tasks made by defineTask, or arrays of them, and optionally `resources` (TypeScript works)')
    .option('--concurrency <n>', 'jobs run at once (default: 10)', integerOption('10'))
    .option('--queues <a,b>', 'serve only these queues (default: every queue of the tasks)', listOption('default,reports'))
    .option('--lease-ms <ms>', "a running job's lease; another worker re-queues the job when it expires unrenewed (default: 30000)", integerOption('30000'))
    .option('--heartbeat-ms <ms>', 'how often leases and the registry record are renewed; under half of --lease-ms (default: 2000)', integerOption('2000'))
    .option('--drain-ms <ms>', 'on stop, how long in-flight jobs may finish before they are aborted and handed back (default: 10000)', integerOption('10000'))
    .option('--prefetch <n>', 'jobs claimed ahead of the free slots, for many short jobs; keep 0 for long ones (default: 0)', integerOption('100'))
    .option('--poll-ms <ms>', 'how often an idle worker looks for jobs queued by other processes (default: 200)', integerOption('200'))
    .action(async (specifier: string, options: WorkerCommandOptions, command: Command) => {
      const module = await loadTaskModule(specifier);
      const tasks = tasksOnQueues(module.tasks, options.queues);
      const stopRequested = nextStopSignal();
      // Declared as serve and dev declare them, so a module naming one event twice stops every command alike.
      const { conveyor, url } = await openCliConveyor(command, { events: module.events });
      try {
        const worker = withFlagNames(() =>
          conveyor.createWorker({
            tasks,
            queues: options.queues,
            concurrency: options.concurrency,
            resources: module.resources,
            leaseMs: options.leaseMs,
            heartbeatIntervalMs: options.heartbeatMs,
            drainMs: options.drainMs,
            prefetch: options.prefetch,
            pollIntervalMs: options.pollMs,
          }),
        );
        await worker.start();
        process.stdout.write(
          `conveyor worker ${worker.id} serving ${tasks.length} task(s) [${worker.taskNamesServed.join(', ')}] ` +
            `on queue(s) [${worker.queues.join(', ')}] with concurrency ${worker.concurrency}, store ${url}; Ctrl-C to stop\n`,
        );
        const signal = await stopRequested;
        process.stderr.write(`${signal}: stopping after in-flight jobs finish (signal again to exit at once)\n`);
      } finally {
        await conveyor.close();
      }
      process.stdout.write('conveyor worker stopped\n');
    });
}

/** Run `create`, renaming the library's setting to its flag in a ConveyorConfigError about a timing option. */
function withFlagNames<T>(create: () => T): T {
  try {
    return create();
  } catch (error) {
    const flag = error instanceof ConveyorConfigError ? FLAG_OF_SETTING[error.setting] : undefined;
    if (flag === undefined || !(error instanceof ConveyorConfigError)) throw error;
    throw new ConveyorConfigError(flag, error.problem, error.example);
  }
}

/** With `--queues`, only the tasks on those queues; every listed queue must have one. */
function tasksOnQueues(tasks: Task[], queues: string[] | undefined): Task[] {
  if (queues === undefined) return tasks;
  const known = [...new Set(tasks.map((task) => task.queue))];
  for (const queue of queues) {
    if (!known.includes(queue)) {
      throw new ConveyorConfigError('--queues', `lists "${queue}", but no task of the module is on it; its queues are ${known.join(', ')}`, known.join(','));
    }
  }
  return tasks.filter((task) => queues.includes(task.queue));
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once, as a shell expects. */
export function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) process.exit(128 + (constants.signals[signal] ?? 0));
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
