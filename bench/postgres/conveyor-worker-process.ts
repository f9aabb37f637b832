/**
 * A Conveyor worker in its own process, for the cross-process latency run on PostgreSQL: it hears of
 * new jobs through the store's LISTEN/NOTIFY. Prints `ready` once listening; stops gracefully on SIGTERM.
 */
import { Conveyor } from '../../src/index.js';
import { PostgresStore } from '../../src/postgres/index.js';
import { POLL_INTERVAL_MS, silentLogger } from '../shared.js';
import { stamp } from './jobs.js';

const storeUrl = process.argv[2];
if (storeUrl === undefined) throw new Error('usage: conveyor-worker-process.ts <postgres store url>');
const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
const worker = conveyor.createWorker({ tasks: [stamp], concurrency: 10, pollIntervalMs: POLL_INTERVAL_MS });
await worker.start();
// The worker subscribes before it registers; this waits until the LISTEN itself is in place.
if (conveyor.store instanceof PostgresStore) await conveyor.store.noticesReady();
process.once('SIGTERM', () => void conveyor.close().then(() => process.exit(0)));
process.stdout.write('ready\n');
