/**
 * Runs the avatar app (app.ts) as a process of its own, as a web service beside Conveyor's server
 * and workers would run: it opens the store as a producer (it enqueues flows and reads them back;
 * it runs no jobs) and listens on 127.0.0.1 until SIGINT or SIGTERM.
 *
 *   node --import tsx examples/avatar-scan/app-main.ts
 *
 * Environment: CONVEYOR_STORE (default sqlite:./.conveyor/conveyor.db, as every Conveyor command),
 * AVATAR_APP_PORT (default 3000; 0 picks a free port), AVATAR_DATA_DIR and AVATAR_CLAMD_URL (config.ts).
 * Prints `avatar app listening on http://127.0.0.1:<port>` once it takes requests.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Conveyor } from 'conveyor';
import { pino } from 'pino';
import { createAvatarApp } from './app.js';
import { readAvatarConfig } from './config.js';
import { tasks } from './tasks.js';
import { UploadFolder } from './uploads.js';

const portSetting = process.env.AVATAR_APP_PORT ?? '3000';
const port = Number(portSetting);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new Error(`AVATAR_APP_PORT must be a port from 0 to 65535 (0 picks a free one), got ${JSON.stringify(portSetting)}`);
}

const config = readAvatarConfig();
const logger = pino({ level: process.env.CONVEYOR_LOG_LEVEL ?? 'warn' }, pino.destination(2));
const conveyor = await Conveyor.open({ tasks, logger });
const app = createAvatarApp({ conveyor, uploads: new UploadFolder(config.dataDir) });

const server = await new Promise<ReturnType<typeof serve>>((listening, failed) => {
  const started = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => listening(started));
  started.once('error', failed);
});
const { port: boundPort } = server.address() as AddressInfo;
process.stdout.write(`avatar app listening on http://127.0.0.1:${boundPort} (uploads in ${config.dataDir}, scanner ${config.clamdUrl})\n`);

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) process.exit(1);
  stopping = true;
  process.stderr.write(`${signal}: avatar app stopping\n`);
  server.close(() => void conveyor.close().then(() => process.exit(0)));
  // Kept-alive connections would hold close() open; they carry nothing the app must finish.
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
