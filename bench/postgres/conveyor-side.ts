/** Conveyor's side of each PostgreSQL measurement, through the public API only: the same work as `raw-side.ts`. */
import { Conveyor, type EnqueueItem } from '../../src/index.js';
import { noop, silentLogger, startChild, stopChild } from '../shared.js';
import { stamp, STAMP_TASK } from './jobs.js';
import { enqueueSpacedApart } from './latency-run.js';
import type { BenchSchema, BenchServer } from './server.js';

async function open(schema: BenchSchema): Promise<Conveyor> {
  return Conveyor.open({ store: schema.storeUrl, logger: silentLogger });
}

/** `enqueueMany` in chunks of 1000. */
export async function conveyorBulkEnqueue(server: BenchServer, count: number): Promise<number> {
  return server.withSchema(async (schema) => {
    const conveyor = await open(schema);
    try {
      const start = performance.now();
      for (let from = 0; from < count; from += 1000) {
        const items: EnqueueItem[] = [];
        for (let n = from; n < Math.min(count, from + 1000); n++) items.push({ task: noop, input: { n } });
        await conveyor.enqueueMany(items);
      }
      return count / ((performance.now() - start) / 1000);
    } finally {
      await conveyor.close();
    }
  });
}

/**
 * One worker drains `count` queued jobs. The clock starts before `worker.start()` and stops when the
 * store says nothing is queued or running, asked once the worker has settled every job.
 */
export async function conveyorDrain(server: BenchServer, count: number, concurrency: number): Promise<number> {
  return server.withSchema(async (schema) => {
    await server.seedQueuedJobs(schema, count);
    const conveyor = await open(schema);
    try {
      const worker = conveyor.createWorker({ tasks: [noop], concurrency });
      let settled = 0;
      const allSettled = new Promise<void>((resolve) => worker.on('job-settled', () => ++settled === count && resolve()));
      const start = performance.now();
      await worker.start();
      await allSettled;
      await server.waitUntilFinished(schema, 1);
      return count / ((performance.now() - start) / 1000);
    } finally {
      await conveyor.close();
    }
  });
}

/** Single enqueues at a steady rate to an idle worker in this process (woken by the in-process event). */
export async function conveyorLatencyInProcess(server: BenchServer, count: number, perSecond: number): Promise<number[]> {
  return server.withSchema(async (schema) => {
    const conveyor = await open(schema);
    try {
      await conveyor.createWorker({ tasks: [stamp], concurrency: 10 }).start();
      await enqueueSpacedApart(server, schema, count, perSecond, (input) => conveyor.enqueue(stamp, input));
    } finally {
      await conveyor.close();
    }
    return server.readLatencies(schema, STAMP_TASK);
  });
}

/** Single enqueues at a steady rate; the worker is in another process and is woken by LISTEN/NOTIFY. */
export async function conveyorLatencyCrossProcess(server: BenchServer, count: number, perSecond: number): Promise<number[]> {
  return server.withSchema(async (schema) => {
    const child = await startChild('./postgres/conveyor-worker-process.ts', [schema.storeUrl]);
    try {
      const conveyor = await open(schema);
      try {
        await enqueueSpacedApart(server, schema, count, perSecond, (input) => conveyor.enqueue(stamp, input));
      } finally {
        await conveyor.close();
      }
    } finally {
      await stopChild(child);
    }
    return server.readLatencies(schema, STAMP_TASK);
  });
}
