/**
 * Conveyor's quick start demo (`npm run demo`): a worker and a producer in one process, on a SQLite file.
 * Every few seconds it enqueues a small batch (thumbnails, a report export, a welcome email, one
 * duplicate and one invalid request) and prints what happens to each job, until Ctrl-C.
 *
 * CONVEYOR_QUICKSTART_ONCE=1 enqueues one batch, waits until every job is final, prints a summary
 * and exits. CONVEYOR_STORE overrides the store; CONVEYOR_LOG_LEVEL shows the engine's own logs.
 */
import { Conveyor, ConveyorValidationError, JOB_STATES, type EnqueueItem, type Job } from 'conveyor';
import { pino } from 'pino';
import { describeCounts, describeSettled, say } from './print.js';
import { exportReport, resizeThumbnail, resources, sendWelcomeEmail, tasks } from './tasks.js';

const ONCE = process.env.CONVEYOR_QUICKSTART_ONCE === '1';
const STORE = process.env.CONVEYOR_STORE ?? 'sqlite:./.conveyor/quickstart.db';
const BATCH_EVERY_MS = 4000;
const COUNTS_EVERY_MS = 2000;

const conveyor = await Conveyor.open({ store: STORE, tasks, logger: pino({ level: process.env.CONVEYOR_LOG_LEVEL ?? 'error' }) });
const worker = conveyor.createWorker({ tasks, resources, concurrency: 4 });
worker.on('job-settled', (job, update) => say(describeSettled(job, update)));
await worker.start();
say(`Conveyor quick start: store ${STORE}; worker serving queues media, reports, emails with concurrency 4`);

let batchNumber = 0;

/** Enqueue one batch; resolves with the ids of the jobs it created. */
async function enqueueBatch(): Promise<{ ids: string[]; duplicates: number; rejected: number }> {
  batchNumber += 1;
  const month = String(((batchNumber - 1) % 12) + 1).padStart(2, '0');
  const report = { from: `2025-${month}-01`, to: `2025-${month}-28`, groupBy: 'day' as const };
  const items: EnqueueItem[] = [
    { task: resizeThumbnail, input: { imageUrl: `https://cdn.example.com/uploads/photo-${batchNumber}a.jpg`, width: 320, height: 240 } },
    { task: resizeThumbnail, input: { imageUrl: `https://cdn.example.com/uploads/photo-${batchNumber}b.png`, width: 128, height: 128 } },
    { task: exportReport, input: report },
    // The same report again while the first is unfinished: its dedup key returns the first job.
    { task: exportReport, input: report },
    { task: sendWelcomeEmail, input: { to: `user${batchNumber}@example.com`, name: `User ${batchNumber}` } },
  ];
  const results = await conveyor.enqueueMany(items);
  const ids = [...new Set(results.map((result) => result.job.id))];
  const duplicates = results.filter((result) => result.duplicate).length;
  say(`batch ${batchNumber}: enqueued ${results.length - duplicates} jobs (${ids.map((id) => `#${id}`).join(' ')}); ${duplicates} duplicate request returned the existing job`);
  let rejected = 0;
  try {
    await conveyor.enqueue(exportReport, { from: '2025-03-31', to: '2025-03-01', groupBy: 'day' });
  } catch (error) {
    if (!(error instanceof ConveyorValidationError)) throw error;
    rejected += 1;
    say(`batch ${batchNumber}: rejected before enqueue (nothing stored): ${error.message}`);
  }
  return { ids, duplicates, rejected };
}

let lastCounts = '';

/** Print the store's counts when they changed since the last time (or always, with `force`). */
async function printCounts(force = false): Promise<void> {
  const counts = describeCounts(await conveyor.store.jobs.countByGroup({ states: [...JOB_STATES] }));
  if (force || counts !== lastCounts) say(counts);
  lastCounts = counts;
}

async function runOnce(): Promise<void> {
  const startedAt = Date.now();
  const batch = await enqueueBatch();
  const jobs: Job[] = await Promise.all(batch.ids.map((id) => conveyor.waitFor(id, { timeoutMs: 60_000 })));
  await conveyor.close();
  const count = (state: Job['state']): number => jobs.filter((job) => job.state === state).length;
  const retries = jobs.reduce((sum, job) => sum + Math.max(0, job.attempt - 1), 0);
  say(
    `summary: ${jobs.length} jobs finished in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ` +
      `${count('succeeded')} succeeded, ${count('dead')} dead, ${count('cancelled')} cancelled; ` +
      `${retries} retried attempt(s); ${batch.duplicates} duplicate(s) deduplicated; ${batch.rejected} invalid request(s) rejected`,
  );
}

async function runUntilInterrupted(): Promise<void> {
  say('press Ctrl-C to stop (in-flight jobs finish first)');
  await enqueueBatch();
  const timers = [
    setInterval(() => void enqueueBatch().catch(fail), BATCH_EVERY_MS),
    setInterval(() => void printCounts().catch(fail), COUNTS_EVERY_MS),
  ];
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    let received = false;
    const onSignal = (name: NodeJS.Signals): void => {
      if (received) process.exit(130);
      received = true;
      resolve(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  timers.forEach(clearInterval);
  say(`${signal}: stopping; in-flight jobs finish first (press Ctrl-C again to quit at once)`);
  await worker.stop();
  await printCounts(true);
  await conveyor.close();
  say('stopped. Unfinished jobs stay in the store and run on the next start.');
}

function fail(error: unknown): void {
  console.error(error);
  process.exit(1);
}

await (ONCE ? runOnce() : runUntilInterrupted()).catch(fail);
