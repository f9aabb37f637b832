/**
 * The example app as a process of its own (processes.ts starts it): opens Conveyor on the shared
 * store, serves app.ts on loopback, prints its address, and stops on SIGINT or SIGTERM.
 *
 * Reads CONVEYOR_STORE, CONVEYOR_ARTIFACT_SIGNING_KEY and CONVEYOR_PUBLIC_URL (the address of
 * Conveyor's server, which serves the signed links it hands out), IMAGE_PIPELINE_DATA_DIR, and
 * IMAGE_PIPELINE_APP_PORT (default 0: any free port).
 */
import { serve } from '@hono/node-server';
import { Conveyor } from 'conveyor';
import { pino } from 'pino';
import { createApp } from './app.js';
import { dataPathsFromEnv } from './config.js';
import { tasks } from './tasks.js';

const signingKey = process.env.CONVEYOR_ARTIFACT_SIGNING_KEY;
const publicUrl = process.env.CONVEYOR_PUBLIC_URL;
if (signingKey === undefined || publicUrl === undefined) {
  process.stderr.write('image-pipeline app: set CONVEYOR_ARTIFACT_SIGNING_KEY (as Conveyor\'s server has it) and CONVEYOR_PUBLIC_URL (the server\'s address) so download links work\n');
  process.exit(1);
}
const port = Number(process.env.IMAGE_PIPELINE_APP_PORT ?? '0');

const conveyor = await Conveyor.open({
  store: process.env.CONVEYOR_STORE,
  tasks,
  artifacts: { signingKey, publicUrl },
  logger: pino({ level: process.env.CONVEYOR_LOG_LEVEL ?? 'warn' }),
});
const app = createApp(conveyor, dataPathsFromEnv());
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`image-pipeline app listening on http://127.0.0.1:${info.port}\n`);
});

let stopping = false;
const stop = (): void => {
  if (stopping) process.exit(1);
  stopping = true;
  server.close(() => void conveyor.close().then(() => process.exit(0)));
  // Keep-alive connections would hold close() open: this is a demo app, so it does not wait for them.
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
