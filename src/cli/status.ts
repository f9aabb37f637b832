/** `conveyor status <id>`: where a job stands. */
import { Command } from 'commander';
import { ConveyorNotFoundError } from '../errors.js';
import { formatJob } from './format-job.js';
import { openCliConveyor } from './store.js';

export function statusCommand(): Command {
  return new Command('status')
    .description("print a job's state, attempts, progress, result, errors and durable steps")
    .argument('<id>', 'job id, as printed by `conveyor enqueue`')
    .option('--json', 'print the job as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const { conveyor, url } = await openCliConveyor(command);
      try {
        const [job, steps] = await Promise.all([conveyor.getJob(id), conveyor.listSteps(id)]);
        if (job === null) throw new ConveyorNotFoundError(`No job with id "${id}" in ${url}`);
        // As GET /jobs/{id}: a step's output (a result, a wait's payload) is the handler's business, not a status line's.
        const json = () => JSON.stringify({ ...job, steps: steps.map(({ output: _output, jobId: _jobId, ...step }) => step) }, null, 2);
        process.stdout.write(`${options.json === true ? json() : formatJob(job, steps)}\n`);
      } finally {
        await conveyor.close();
      }
    });
}
