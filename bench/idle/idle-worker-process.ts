/**
 * An idle Conveyor worker in its own process, with the default options: `idle-worker-process.ts <store
 * url> <warm-up ms> <measure ms>`. Prints `ready`, lets the worker settle for the warm-up, then prints
 * `cpu <CPU ms used over the measured span> <span ms>` (user + system, this whole process) and exits.
 */
import { Conveyor } from '../../src/index.js';
import { noop, silentLogger, sleep } from '../shared.js';

const [storeUrl, warmUpText, measureText] = process.argv.slice(2);
if (storeUrl === undefined || warmUpText === undefined || measureText === undefined) throw new Error('usage: idle-worker-process.ts <store url> <warm-up ms> <measure ms>');
const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
const worker = conveyor.createWorker({ tasks: [noop] });
await worker.start();
process.stdout.write('ready\n');
await sleep(Number(warmUpText));
const before = process.cpuUsage();
const startedAt = performance.now();
await sleep(Number(measureText));
const used = process.cpuUsage(before);
const span = performance.now() - startedAt;
process.stdout.write(`cpu ${(used.user + used.system) / 1000} ${span}\n`);
await conveyor.close();
process.exit(0);
