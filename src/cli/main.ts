#!/usr/bin/env node
/**
 * The `conveyor` command line: `worker`, `enqueue`, `send-event`, `status`, `jobs`, `artifacts`, `cancel`, `retry`,
 * `failures`, `schedules`, `workers`, `migrate`, `queue`, `serve`, `dev`, `doctor`.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { artifactsCommand } from './artifacts.js';
import { cancelCommand } from './cancel.js';
import { devCommand } from './dev.js';
import { doctorCommand } from './doctor.js';
import { enqueueCommand } from './enqueue.js';
import { reportError } from './errors.js';
import { failuresCommand } from './failures.js';
import { jobsCommand } from './jobs.js';
import { migrateCommand } from './migrate.js';
import { queueCommand } from './queue.js';
import { retryCommand } from './retry.js';
import { schedulesCommand } from './schedules.js';
import { sendEventCommand } from './send-event.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { workerCommand } from './worker.js';
import { workersCommand } from './workers.js';

// The same relative path from src/cli and dist/cli.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('conveyor')
  .description('Durable background jobs for TypeScript: run workers, enqueue and inspect jobs, migrate the store.')
  .version(version)
  .option('--store <url>', 'store URL, e.g. sqlite:./data/jobs.db (default: $CONVEYOR_STORE, else sqlite:./.conveyor/conveyor.db)')
  .addCommand(workerCommand())
  .addCommand(enqueueCommand())
  .addCommand(sendEventCommand())
  .addCommand(statusCommand())
  .addCommand(jobsCommand())
  .addCommand(artifactsCommand())
  .addCommand(cancelCommand())
  .addCommand(retryCommand())
  .addCommand(failuresCommand())
  .addCommand(schedulesCommand())
  .addCommand(workersCommand())
  .addCommand(migrateCommand())
  .addCommand(queueCommand())
  .addCommand(serveCommand())
  .addCommand(devCommand())
  .addCommand(doctorCommand());

try {
  await program.parseAsync(process.argv);
  // Every command closes what it opened; exiting here means a stray handle cannot keep the shell waiting.
  // A command that found a problem without failing (`doctor`) sets process.exitCode.
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
} catch (error) {
  reportError(error);
  process.exit(1);
}
