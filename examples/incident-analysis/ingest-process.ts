/**
 * One ingestion API process: `node --import tsx examples/incident-analysis/ingest-process.ts`.
 * `run.ts` and the test start three of these on three ports, as a field team runs several API
 * replicas behind a load balancer.
 *
 * Environment: `INGEST_NAME` (default `ingest-<pid>`), `INGEST_PORT` (default 0: any free port; the
 * port is in the line printed once listening), `CONVEYOR_STORE`, and the `INCIDENT_*` settings of
 * `settings.ts`. Stops on SIGTERM or SIGINT: no new requests, then the pool and the store close.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Conveyor } from 'conveyor';
import { pino } from 'pino';
import { openIncidentsPool } from './db.js';
import { createIngestApp } from './ingest-app.js';
import { defaultStoreUrl, readDatabaseSettings, readSettleMs } from './settings.js';
import { analyseIncident } from './tasks.js';

const name = process.env.INGEST_NAME || `ingest-${process.pid}`;
const port = Number(process.env.INGEST_PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new Error(`INGEST_PORT must be a port number from 0 to 65535, got ${JSON.stringify(process.env.INGEST_PORT)}`);
}

const settleMs = readSettleMs();
const db = openIncidentsPool(readDatabaseSettings());
// Conveyor's own log lines go to stderr, warnings and worse unless CONVEYOR_LOG_LEVEL says otherwise.
const logger = pino({ level: process.env.CONVEYOR_LOG_LEVEL ?? 'warn' }, pino.destination(2));
const conveyor = await Conveyor.open({ store: defaultStoreUrl(), tasks: [analyseIncident], logger });
const app = createIngestApp({ conveyor, db, settleMs, name });

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  // The runner and the test wait for this line and read the port from it.
  process.stdout.write(`${name} listening on http://127.0.0.1:${info.port} (pid ${process.pid})\n`);
});

// A port that cannot be had: one line saying which and what to do, not a stack trace.
server.once('error', (error: NodeJS.ErrnoException) => {
  const why = error.code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is already in use; give INGEST_PORT a free port, or 0 for any` : error.message;
  process.stderr.write(`${name} cannot listen: ${why}\n`);
  void Promise.allSettled([conveyor.close(), db.end()]).then(() => process.exit(1));
});

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) process.exit(130); // a second signal: now
  stopping = true;
  process.stderr.write(`${signal}: ${name} stops taking requests and closes\n`);
  // Requests in flight get a moment to finish; connections still open after it are dropped.
  await Promise.race([new Promise<void>((resolve) => server.close(() => resolve())), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  await Promise.allSettled([conveyor.close(), db.end()]);
  process.exit(0);
}
process.on('SIGTERM', (signal) => void stop(signal));
process.on('SIGINT', (signal) => void stop(signal));
