/** A Conveyor worker in its own process, for the cross-process latency run. Prints `ready`; stops gracefully on SIGTERM. */
import { Conveyor } from '../src/index.js';
import { noop, POLL_INTERVAL_MS, silentLogger } from './shared.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: conveyor-worker-process.ts <database file>');
const conveyor = await Conveyor.open({ store: `sqlite:${path}`, logger: silentLogger });
const worker = conveyor.createWorker({ tasks: [noop], concurrency: 10, pollIntervalMs: POLL_INTERVAL_MS });
await worker.start();
process.once('SIGTERM', () => void conveyor.close().then(() => process.exit(0)));
process.stdout.write('ready\n');
