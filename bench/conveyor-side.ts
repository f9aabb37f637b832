/** The same work as `raw-floor.ts`, done through Conveyor's public API. */
import { Conveyor, type EnqueueItem } from '../src/index.js';
import { atSteadyRate, freshDatabase, noop, openRaw, readLatencies, seedQueuedJobs, silentLogger, sleep, startChild, stopChild, unfinishedCount } from './shared.js';

async function open(path: string): Promise<Conveyor> {
  return Conveyor.open({ store: `sqlite:${path}`, logger: silentLogger });
}

/** `enqueueMany` in chunks of 1000. */
export async function conveyorBulkEnqueue(count: number): Promise<number> {
  const conveyor = await open(await freshDatabase());
  const start = performance.now();
  for (let from = 0; from < count; from += 1000) {
    const items: EnqueueItem[] = [];
    for (let n = from; n < Math.min(count, from + 1000); n++) items.push({ task: noop, input: { n } });
    await conveyor.enqueueMany(items);
  }
  const seconds = (performance.now() - start) / 1000;
  await conveyor.close();
  return count / seconds;
}

/**
 * One worker drains `count` queued jobs. The clock starts before `worker.start()` and stops when
 * the store says nothing is queued or running. The store is asked only once the worker has settled
 * every job: counting 20,000 queued rows every few milliseconds would slow the drain it measures.
 */
export async function conveyorDrain(count: number, concurrency: number): Promise<number> {
  const path = await freshDatabase();
  seedQueuedJobs(path, count);
  const conveyor = await open(path);
  const worker = conveyor.createWorker({ tasks: [noop], concurrency });
  let settled = 0;
  const allSettled = new Promise<void>((resolve) => worker.on('job-settled', () => ++settled === count && resolve()));
  const probe = openRaw(path);
  const start = performance.now();
  await worker.start();
  await allSettled;
  while (unfinishedCount(probe) > 0) await sleep(1);
  const seconds = (performance.now() - start) / 1000;
  probe.close();
  await conveyor.close();
  return count / seconds;
}

/** Single enqueues at a steady rate to an idle worker in this process (woken by the in-process event). */
export async function conveyorLatencyInProcess(count: number, perSecond: number): Promise<number[]> {
  const path = await freshDatabase();
  const conveyor = await open(path);
  const worker = conveyor.createWorker({ tasks: [noop], concurrency: 10 });
  await worker.start();
  let settled = 0;
  const allSettled = new Promise<void>((resolve) => worker.on('job-settled', () => ++settled === count && resolve()));
  await atSteadyRate(count, perSecond, async (n) => void (await conveyor.enqueue(noop, { n })));
  await allSettled;
  await conveyor.close();
  return readLatencies(path);
}

/** Single enqueues at a steady rate; the worker is in another process and finds them by polling. */
export async function conveyorLatencyCrossProcess(count: number, perSecond: number): Promise<number[]> {
  const path = await freshDatabase();
  const child = await startChild('./conveyor-worker-process.ts', [path]);
  const conveyor = await open(path);
  await atSteadyRate(count, perSecond, async (n) => void (await conveyor.enqueue(noop, { n })));
  const probe = openRaw(path);
  while (unfinishedCount(probe) > 0) await sleep(20);
  probe.close();
  await conveyor.close();
  await stopChild(child);
  return readLatencies(path);
}

