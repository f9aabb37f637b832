/**
 * Workload 6, memory (Conveyor's stores only): the resident set size of a Conveyor worker process
 * (concurrency 10) when idle, after draining `memoryFirstJobs` jobs, and after `memoryTotalJobs` in
 * all, each read after a full garbage collection. Jobs are enqueued in slices, each drained before
 * the next. Flat means no growth with the number of jobs a worker has run.
 */
import { sleep } from '../../shared.js';
import type { RunContext, Workload } from '../context.js';
import { drainTimeoutMs, untilNothingPending } from '../drain-run.js';
import { ProcessFleet } from '../fleet.js';
import { ResultTable } from '../results.js';
import type { QueueSystem } from '../system.js';
import type { LoadedSystem } from '../systems.js';

const CONCURRENCY = 10;
const MAX_SLICE = 50_000;
/** Idle time before the first reading: heartbeats and maintenance have run by then. */
const SETTLE_MS = 2_000;
const MB = 1024 * 1024;

/** Enqueue `count` jobs in slices and wait until each slice is drained; `done` is how many the fleet had handled before. */
async function drainInSlices(instance: QueueSystem, fleet: ProcessFleet, count: number, done: number): Promise<void> {
  for (let from = 0; from < count; from += MAX_SLICE) {
    const slice = Math.min(MAX_SLICE, count - from);
    await instance.enqueueBulk(slice);
    await fleet.tally.until(done + from + slice, drainTimeoutMs(slice));
    await untilNothingPending(instance, drainTimeoutMs(slice));
  }
}

export function memoryWorkload(run: RunContext): Workload {
  const { memoryFirstJobs, memoryTotalJobs } = run.settings;
  const count = (n: number): string => n.toLocaleString('en-US');
  const table = new ResultTable(
    'Conveyor worker process RSS',
    [
      { key: 'idle', title: 'idle', unit: 'MB', ratio: false },
      { key: 'first', title: `after ${count(memoryFirstJobs)} jobs`, unit: 'MB', ratio: false },
      { key: 'total', title: `after ${count(memoryTotalJobs)} jobs`, unit: 'MB', ratio: false },
      { key: 'growth', title: `${count(memoryTotalJobs)} / ${count(memoryFirstJobs)}`, unit: 'ratio', ratio: false },
      { key: 'heapFirst', title: `heap after ${count(memoryFirstJobs)}`, unit: 'MB', ratio: false },
      { key: 'heapTotal', title: `heap after ${count(memoryTotalJobs)}`, unit: 'MB', ratio: false },
      { key: 'heapGrowth', title: 'heap ratio', unit: 'ratio', ratio: false },
    ],
    [
      `One worker process at concurrency ${CONCURRENCY}, RSS and V8 heap used read after two full collections (--expose-gc); measured once per run. Use --full for 1,000,000 jobs.`,
      'RSS also counts pages the allocator and V8 keep after a collection, which vary by ±15 % from one reading to the next here; the live heap is what a leak would grow.',
    ],
  );
  const systems = run.systems.filter((system) => system.key.startsWith('conveyor-'));

  async function measure(system: LoadedSystem, instance: QueueSystem): Promise<number> {
    const fleet = await ProcessFleet.spawn({ key: system.key, location: instance.location, processes: 1, concurrency: CONCURRENCY, environment: run.environment, exposeGc: true });
    try {
      await fleet.start();
      await sleep(SETTLE_MS);
      const [idle] = await fleet.memory();
      await drainInSlices(instance, fleet, memoryFirstJobs, 0);
      const [first] = await fleet.memory();
      await drainInSlices(instance, fleet, memoryTotalJobs - memoryFirstJobs, memoryFirstJobs);
      const [total] = await fleet.memory();
      const name = system.definition.name;
      table.record(name, name, 'idle', idle!.rss / MB);
      table.record(name, name, 'first', first!.rss / MB);
      table.record(name, name, 'total', total!.rss / MB);
      table.record(name, name, 'growth', total!.rss / first!.rss);
      table.record(name, name, 'heapFirst', first!.heapUsed / MB);
      table.record(name, name, 'heapTotal', total!.heapUsed / MB);
      table.record(name, name, 'heapGrowth', total!.heapUsed / first!.heapUsed);
      return 0;
    } finally {
      await fleet.stop();
    }
  }

  return {
    tables: [table],
    async once() {
      for (const system of systems) await run.measure(system, 'memory', (instance) => measure(system, instance));
    },
  };
}
