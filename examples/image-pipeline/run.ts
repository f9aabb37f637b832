/**
 * The image pipeline example, one command (`npm run example:image-pipeline`): starts Conveyor's server
 * (API and dashboard), a worker and the example app, processes a batch of generated images as one
 * flow, asks for an export and prints its signed download link, then the dashboard's address and
 * token, and keeps running until Ctrl-C. Everything it started is stopped on exit, Ctrl-C or failure.
 *
 *   npm run example:image-pipeline                       # 200 images, SQLite in .conveyor/image-pipeline/
 *   npm run example:image-pipeline -- --images 50 --once  # stop after the export
 *   npm run example:image-pipeline -- --bench             # bench.ts: Conveyor against a plain loop
 *   CONVEYOR_STORE=postgres://… npm run example:image-pipeline
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { dataPaths, DATA_DIR_SETTING, DEFAULT_DATA_DIR } from './config.js';
import { requestJson, waitUntil } from './http.js';
import type { BatchStatus } from './batches.js';
import { startStack, type Stack } from './stack.js';
import type { BatchSummary } from './tasks.js';

const args = process.argv.slice(2);

if (args.includes('--bench')) {
  await import('./bench.js');
} else {
  await main();
}

function option(name: string, fallback: number): number {
  const index = args.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: must be a whole number from 1, got ${JSON.stringify(args[index + 1])}; e.g. ${name} ${fallback}`);
  return value;
}

function say(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
}

async function main(): Promise<void> {
  const images = option('--images', 200);
  const once = args.includes('--once') || process.env.IMAGE_PIPELINE_ONCE === '1';
  const paths = dataPaths(process.env[DATA_DIR_SETTING] ?? DEFAULT_DATA_DIR);
  const store = process.env.CONVEYOR_STORE;
  // A fresh run: the files of the last one go (and its SQLite store, when it is the default one).
  for (const name of ['in', 'out', 'records.ndjson', 'export-step-runs.ndjson', ...(store === undefined ? ['conveyor.db', 'conveyor.db-wal', 'conveyor.db-shm'] : [])]) {
    rmSync(join(paths.root, name), { recursive: true, force: true });
  }
  const token = process.env.CONVEYOR_API_TOKENS?.split(',')[0]?.trim() || undefined;

  let stack: Stack | null = null;
  let stopping: Promise<void> | null = null;
  const stopAll = (): Promise<void> => (stopping ??= stack?.stop() ?? Promise.resolve());
  process.on('exit', () => stack?.group.killAllNow());
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping !== null) process.exit(130);
    say(`${signal}: stopping the app, the worker and the server (again to quit at once)`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    say(`starting Conveyor's server, a worker (concurrency 2) and the example app; store ${redact(store ?? `sqlite:${join(paths.root, 'conveyor.db')}`)}`);
    stack = await startStack({ dataDir: paths.root, store, token, echoStderr: true });
    say(`server ${stack.serverUrl} (API and dashboard) · worker pid ${stack.worker.child.pid} · app ${stack.appUrl}`);
    await runBatch(stack, images);
    await runExports(stack);
    say('');
    say(`dashboard: ${stack.serverUrl}/  (log in with the token below)`);
    say(`token:     ${stack.token}${token === undefined ? ' (made for this run; set CONVEYOR_API_TOKENS to choose your own)' : ''}`);
    say(`doctor:    CONVEYOR_STORE='${stack.store}' npx conveyor doctor`);
    if (once) {
      await stopAll();
      say('stopped everything it started');
      process.exit(0);
    }
    say('press Ctrl-C to stop everything this started');
    // Keeps this process alive until a signal handler above exits it.
    setInterval(() => {}, 1 << 30);
  } catch (error) {
    process.stderr.write(`image-pipeline example failed: ${(error as Error).message}\n`);
    await stopAll();
    process.exit(1);
  }
}

async function runBatch(stack: Stack, images: number): Promise<void> {
  say(`POST /batches {"images":${images},"broken":1}: the app generates the images (about 5 s per 100), then enqueues them as one flow`);
  const created = await requestJson<{ batchId: string; flowId: string; error?: unknown }>('POST', `${stack.appUrl}/batches`, { body: { images, broken: 1 } });
  if (created.status !== 202) throw new Error(`POST /batches answered ${created.status}: ${JSON.stringify(created.body)}`);
  const startedAt = Date.now();
  say(`batch ${created.body.batchId}: generated ${images} images (the last one broken on purpose) and enqueued flow ${created.body.flowId}: ${images} × images.process → images.summarise`);
  let last = '';
  const done = await waitUntil(
    'the batch to finish',
    async () => {
      const status = (await requestJson<BatchStatus>('GET', `${stack.appUrl}/batches/${created.body.flowId}`)).body;
      const line = Object.entries(status.images).map(([state, count]) => `${state} ${count}`).join(', ');
      if (line !== last) say(`  images: ${line}`);
      last = line;
      return status.state === 'succeeded' || status.state === 'dead' ? status : undefined;
    },
    600_000,
    500,
  );
  const seconds = (Date.now() - startedAt) / 1000;
  if (done.state !== 'succeeded') throw new Error(`the batch's summary job ended ${done.state}`);
  const summary = done.summary as BatchSummary;
  say(
    `summary: ${summary.images} images, ${summary.succeeded} processed, ${summary.failed} failed; ${mb(summary.bytesIn)} in → ${mb(summary.bytesOut)} out in ${summary.outputs} files; ` +
      `processed in ${seconds.toFixed(1)} s (${Math.round((summary.images / seconds) * 60)} images/minute)`,
  );
  for (const failure of summary.failures) say(`  failed: job ${failure.jobId} (${failure.state}): ${failure.error}`);
  say(`outputs in ${join(stack.paths.outputs, summary.batchId)}`);
}

async function runExports(stack: Stack): Promise<void> {
  const refused = await requestJson('POST', `${stack.appUrl}/exports`, { body: { start: '2026-03-01', end: '2026-01-31', group_by: 'month' } });
  say(`POST /exports with end before start → ${refused.status} ${JSON.stringify(refused.body)} (nothing enqueued)`);
  const request = { start: '2026-01-01', end: '2026-12-31', group_by: 'month' };
  const created = await requestJson<{ jobId: string }>('POST', `${stack.appUrl}/exports`, { body: request });
  if (created.status !== 202) throw new Error(`POST /exports answered ${created.status}: ${JSON.stringify(created.body)}`);
  say(`POST /exports ${JSON.stringify(request)} → 202, job ${created.body.jobId} (one durable step per month)`);
  const done = await waitUntil(
    'the export to finish',
    async () => {
      const status = (await requestJson<{ state: string; downloadUrl?: string; lastError?: string }>('GET', `${stack.appUrl}/exports/${created.body.jobId}`)).body;
      return ['succeeded', 'dead', 'cancelled'].includes(status.state) ? status : undefined;
    },
    120_000,
  );
  if (done.downloadUrl === undefined) throw new Error(`the export ended ${done.state}: ${done.lastError ?? 'no error recorded'}`);
  say(`export ready; signed link (works without the token for an hour):`);
  say(`  ${done.downloadUrl}`);
  const csv = await (await fetch(done.downloadUrl)).text();
  for (const line of csv.split('\n').slice(0, 4)) say(`  ${line}`);
  say(`  … ${csv.trim().split('\n').length - 1} rows`);
}

function mb(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
