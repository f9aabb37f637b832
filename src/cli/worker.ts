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
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run the tasks a module exports until SIGINT/SIGTERM (a second signal exits at once)')
    .argument('<module>', 'file exporting tasks made by defineTask, or arrays of them, and optionally `resources` (TypeScript works)')
    .option('--concurrency <n>', 'jobs run at once (default: 10)', integerOption('10'))
    .option('--queues <a,b>', 'serve only these queues (default: every queue of the tasks)', listOption('default,reports'))
    .action(async (specifier: string, options: WorkerCommandOptions, command: Command) => {
      const module = await loadTaskModule(specifier);
      const tasks = tasksOnQueues(module.tasks, options.queues);
      const stopRequested = nextStopSignal();
      const { conveyor, url } = await openCliConveyor(command);
      try {
        const worker = conveyor.createWorker({ tasks, queues: options.queues, concurrency: options.concurrency, resources: module.resources });
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
