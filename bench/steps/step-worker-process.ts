/**
 * A Conveyor worker in its own process for the steps bench. Prints `ready` once it listens; then
 * `resumed <key> <wall-clock ms>` each time a waiting job's handler returns from its wait, and on
 * SIGUSR2 `memory <rss bytes> <heap used bytes>` measured after a full garbage collection. Stops
 * gracefully on SIGTERM.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Conveyor } from '../../src/index.js';
import { PostgresStore } from '../../src/postgres/index.js';
import { wallClockMs } from '../postgres/jobs.js';
import { noop, POLL_INTERVAL_MS, silentLogger } from '../shared.js';
import { stepsTask, waitTask } from './tasks.js';

const storeUrl = process.argv[2];
if (storeUrl === undefined) throw new Error('usage: step-worker-process.ts <store url>');

// The child is started by `startChild` without --expose-gc; a fresh context picks the flag up.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const resumed = waitTask((key) => process.stdout.write(`resumed ${key} ${wallClockMs()}\n`));
const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
const worker = conveyor.createWorker({ tasks: [noop, stepsTask, resumed], concurrency: 10, pollIntervalMs: POLL_INTERVAL_MS });
await worker.start();
if (conveyor.store instanceof PostgresStore) await conveyor.store.noticesReady();
process.on('SIGUSR2', () => {
  collectGarbage();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`memory ${rss} ${heapUsed}\n`);
});
process.once('SIGTERM', () => void conveyor.close().then(() => process.exit(0)));
process.stdout.write('ready\n');
