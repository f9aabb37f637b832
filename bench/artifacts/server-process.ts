/**
 * The API server in its own process, as deployed: `createServerApp` over its own Conveyor on the
 * bench's store, listening on loopback. Prints `ready <url>`; stops on SIGTERM.
 * Usage: server-process.ts <store url> <token>
 */
import { pino } from 'pino';
import { Conveyor } from '../../src/index.js';
import { createServerApp } from '../../src/server/app.js';
import { startServer } from '../../src/server/listen.js';

const [storeUrl, token] = process.argv.slice(2);
if (storeUrl === undefined || token === undefined) throw new Error('usage: server-process.ts <store url> <token>');
const logger = pino({ level: 'silent' });
const conveyor = await Conveyor.open({ store: storeUrl, logger });
const app = createServerApp({ deps: { conveyor, logger }, tokens: [token], authFailureLimit: null, enqueueRateLimit: null });
const server = await startServer({ app, port: 0, host: '127.0.0.1' });
process.once('SIGTERM', () => void server.close().then(() => conveyor.close()).then(() => process.exit(0)));
process.stdout.write(`ready ${server.url}\n`);
