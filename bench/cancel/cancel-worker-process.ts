/**
 * A Conveyor worker in its own process for the cancel run: `cancel-worker-process.ts <store url>`. Its
 * handler waits until its signal aborts; it prints `started <job id>` as each attempt starts and
 * `aborted <job id> <wall-clock ms>` as the abort reaches it. It polls every 60 s and heartbeats every
 * 6 s, so a cancel that arrives sooner came by the store's notices. Prints `ready`; exits on SIGTERM.
 */
import { Conveyor } from '../../src/index.js';
import { wallClockMs } from '../postgres/jobs.js';
import { silentLogger } from '../shared.js';
import { cancelTask } from './cancel-task.js';

const storeUrl = process.argv[2];
if (storeUrl === undefined) throw new Error('usage: cancel-worker-process.ts <store url>');
const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
const task = cancelTask((jobId, signal) => {
  process.stdout.write(`started ${jobId}\n`);
  return new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => {
      process.stdout.write(`aborted ${jobId} ${wallClockMs()}\n`);
      resolve();
    });
  });
});
const worker = conveyor.createWorker({ tasks: [task], concurrency: 1, pollIntervalMs: 60_000, leaseMs: 30_000, heartbeatIntervalMs: 6_000 });
await worker.start();
process.once('SIGTERM', () => void conveyor.close().then(() => process.exit(0)));
process.stdout.write('ready\n');
