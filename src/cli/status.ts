/** `conveyor status <id>`: where a job stands. */
import { Command } from 'commander';
import { ConveyorNotFoundError } from '../errors.js';
import { formatJob } from './format-job.js';
import { openCliConveyor } from './store.js';

export function statusCommand(): Command {
  return new Command('status')
    .description("print a job's state, attempts, progress, result and errors")
    .argument('<id>', 'job id, as printed by `conveyor enqueue`')
    .option('--json', 'print the job as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const { conveyor, url } = await openCliConveyor(command);
      try {
        const job = await conveyor.getJob(id);
        if (job === null) throw new ConveyorNotFoundError(`No job with id "${id}" in ${url}`);
        process.stdout.write(`${options.json === true ? JSON.stringify(job, null, 2) : formatJob(job)}\n`);
      } finally {
        await conveyor.close();
      }
    });
}
