/** `conveyor workers`: every registered worker, live or stalled, and what it serves. */
import { Command } from 'commander';
import type { WorkerStatus } from '../conveyor.js';
import { withCliConveyor } from './store.js';
import { formatTable, formatTime, print } from './table.js';

export function workersCommand(): Command {
  return new Command('workers')
    .description('list every registered worker, live or stalled (heartbeat stopped): host, pid, queues, concurrency, start and last heartbeat')
    .option('--json', 'print the workers as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withCliConveyor(command, async (conveyor) => {
        const workers = await conveyor.listWorkers();
        if (options.json === true) return print(JSON.stringify(workers, null, 2));
        print(workers.length === 0 ? 'no workers registered' : formatWorkers(workers));
      });
    });
}

function formatWorkers(workers: readonly WorkerStatus[]): string {
  const table = formatTable(
    ['ID', 'STATUS', 'HOST', 'PID', 'QUEUES', 'CONCURRENCY', 'STARTED (UTC)', 'LAST HEARTBEAT (UTC)'],
    workers.map((worker) => [
      worker.id,
      worker.live ? 'live' : 'stalled',
      worker.host,
      String(worker.pid),
      worker.queues.join(','),
      String(worker.concurrency),
      formatTime(worker.startedAt),
      formatTime(worker.lastHeartbeatAt),
    ]),
  );
  const ignoring = workers.flatMap((worker) =>
    worker.handlersIgnoringAbort.map((handler) => `${worker.id}: job ${handler.jobId} (${handler.task}, attempt ${handler.attempt}) ignores its abort (${handler.reason}) since ${formatTime(handler.abortedAt)} UTC`),
  );
  const down = workers.flatMap((worker) =>
    worker.dependencies
      .filter((dependency) => !dependency.up)
      .map((dependency) => `${worker.id}: dependency ${dependency.name} (${dependency.target}) down since ${formatTime(dependency.since)} UTC: ${dependency.lastError ?? 'no error recorded'}; needed by ${dependency.tasks.join(', ')}`),
  );
  return [table, ...ignoring, ...down].join('\n');
}
