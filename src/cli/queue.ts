/** `conveyor queue pause|resume|list`: stop and restart claiming from a queue, and see which are paused. */
import { Command } from 'commander';
import type { Conveyor } from '../conveyor.js';
import type { QueueState } from '../store/store.js';
import { openCliConveyor } from './store.js';

export function queueCommand(): Command {
  return new Command('queue')
    .description('pause, resume and list queues')
    .addCommand(changeCommand('pause', 'stop workers claiming jobs of <name> (running jobs finish)', (conveyor, name) => conveyor.pauseQueue(name)))
    .addCommand(changeCommand('resume', 'let workers claim jobs of <name> again', (conveyor, name) => conveyor.resumeQueue(name)))
    .addCommand(
      new Command('list')
        .description('print every queue that was paused, resumed or limited: whether it is paused now, and its limits')
        .option('--json', 'print the queues as JSON')
        .action(async (options: { json?: boolean }, command: Command) => {
          await withConveyor(command, async (conveyor) => {
            const queues = await conveyor.listQueues();
            if (options.json === true) return print(JSON.stringify(queues, null, 2));
            print(queues.length === 0 ? 'no queue was ever paused' : queues.map(formatQueue).join('\n'));
          });
        }),
    );
}

function changeCommand(verb: string, description: string, change: (conveyor: Conveyor, name: string) => Promise<QueueState>): Command {
  return new Command(verb)
    .description(description)
    .argument('<name>', 'queue name, as in defineTask({ queue })')
    .option('--json', 'print the queue as JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      await withConveyor(command, async (conveyor) => {
        const queue = await change(conveyor, name);
        print(options.json === true ? JSON.stringify(queue, null, 2) : formatQueue(queue));
      });
    });
}

async function withConveyor(command: Command, use: (conveyor: Conveyor) => Promise<void>): Promise<void> {
  const { conveyor } = await openCliConveyor(command);
  try {
    await use(conveyor);
  } finally {
    await conveyor.close();
  }
}

function formatQueue(queue: QueueState): string {
  const state = queue.pausedAt === null ? `${queue.name}: running` : `${queue.name}: paused since ${queue.pausedAt.toISOString()}`;
  const { concurrency, perKey, rate } = queue.limits;
  const limits = [
    concurrency === null ? null : `concurrency ${concurrency}`,
    perKey === null ? null : `${perKey} per key`,
    rate === null ? null : `${rate.limit} starts per ${rate.intervalMs} ms`,
  ].filter((limit) => limit !== null);
  return limits.length === 0 ? state : `${state} (limits: ${limits.join(', ')})`;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
