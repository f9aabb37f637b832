/** `conveyor cancel <id>`: cancel a job; a running one is asked to stop. */
import { Command } from 'commander';
import { isFinalState, type Job, type JobState } from '../job.js';
import { notFoundIn } from './not-found.js';
import { withCliConveyor } from './store.js';
import { print } from './table.js';

export function cancelCommand(): Command {
  return new Command('cancel')
    .description('cancel a job: one not started is cancelled at once, a running one has its abort signal fired; a finished one is left as it is')
    .argument('<id>', 'job id, as printed by `conveyor enqueue` or `conveyor jobs`')
    .option('--json', 'print the job as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withCliConveyor(command, async (conveyor, url) => {
        // Read first only to say whether this call changed anything; the cancel itself decides.
        const before = await conveyor.getJob(id);
        const job = await notFoundIn(url, () => conveyor.cancel(id));
        print(options.json === true ? JSON.stringify(job, null, 2) : describeCancel(job, before?.state ?? null));
      });
    });
}

function describeCancel(job: Job, stateBefore: JobState | null): string {
  const name = `job ${job.id} (${job.task}, queue ${job.queue})`;
  if (stateBefore !== null && isFinalState(stateBefore)) return `${name}: already ${job.state}, nothing to cancel`;
  if (job.state === 'running') return `${name}: running, cancel requested; its worker aborts the handler's signal`;
  return `${name}: ${job.state}`;
}
