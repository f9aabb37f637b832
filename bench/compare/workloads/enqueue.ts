/**
 * Workload 1, enqueue: a bulk enqueue of `jobs` no-op jobs (calls of 1000); single enqueues one after
 * another; single enqueues from `callers` concurrent callers (a busy web service). Each call returns
 * only once the system says the job is stored. Before the clock, one call (or one per caller) opens
 * connections, for every system alike.
 */
import { rawBulkEnqueue as sqliteBulkFloor } from '../../raw-floor.js';
import { rawBulkEnqueue as postgresBulkFloor } from '../../postgres/raw-side.js';
import { timed, type RunContext, type Workload } from '../context.js';
import { postgresSingleInsertFloor, redisBenchmark, redisBenchmarkMissing, sqliteSingleInsertFloor } from '../floors.js';
import { ResultTable } from '../results.js';
import type { QueueSystem } from '../system.js';
import { conveyorOf } from '../systems.js';

async function bulk(system: QueueSystem, count: number): Promise<number> {
  await system.enqueueOne({ n: -1 });
  return count / (await timed(() => system.enqueueBulk(count)));
}

/** `count` single enqueues shared by `callers` concurrent loops (1: one after another). */
export async function singles(system: QueueSystem, count: number, callers: number): Promise<number> {
  await Promise.all(Array.from({ length: callers }, (_, n) => system.enqueueOne({ n: -n - 1 })));
  let next = 0;
  const seconds = await timed(async () => {
    await Promise.all(
      Array.from({ length: callers }, async () => {
        for (let n = next++; n < count; n = next++) await system.enqueueOne({ n });
      }),
    );
  });
  return count / seconds;
}

export function enqueueWorkload(run: RunContext): Workload {
  const { jobs, sequentialJobs, concurrentJobs, callers } = run.settings;
  const table = new ResultTable(
    'Enqueue',
    [
      { key: 'bulk', title: `bulk, ${jobs.toLocaleString('en-US')} jobs`, unit: 'jobs/s' },
      { key: 'sequential', title: 'single, one after another', unit: 'jobs/s' },
      { key: 'concurrent', title: `single, ${callers} callers`, unit: 'jobs/s' },
    ],
    [
      `Bulk: calls of 1000 (enqueueMany / addBulk / addJobs / insert). Single: ${sequentialJobs.toLocaleString('en-US')} one after another; ${concurrentJobs.toLocaleString('en-US')} from ${callers} concurrent callers.`,
      'Raw floors: the store\'s own insert statement issued directly; singles commit one job each (SQLite writes are serial, so its concurrent floor is per-row too).',
    ],
  );
  const redisMissing = run.has('bullmq') ? redisBenchmarkMissing() : 'BullMQ not selected';
  if (run.has('bullmq') && redisMissing !== null) table.notes.push(`Redis floor skipped: ${redisMissing}.`);

  return {
    tables: [table],
    async round() {
      const measurements = [
        ['bulk', 'bulk enqueue', (instance: QueueSystem) => bulk(instance, jobs)],
        ['sequential', 'sequential enqueue', (instance: QueueSystem) => singles(instance, sequentialJobs, 1)],
        ['concurrent', 'concurrent enqueue', (instance: QueueSystem) => singles(instance, concurrentJobs, callers)],
      ] as const;
      for (const [column, label, measure] of measurements) {
        for (const system of run.systems) {
          table.record(system.definition.name, conveyorOf(system.definition.family), column, await run.measure(system, label, measure));
        }
      }
      if (run.has('conveyor-sqlite')) {
        const row = 'raw SQLite floor';
        table.record(row, 'Conveyor-SQLite', 'bulk', await run.attempt(`${row}: bulk`, () => sqliteBulkFloor(jobs)));
        table.record(row, 'Conveyor-SQLite', 'sequential', await run.attempt(`${row}: single`, () => sqliteSingleInsertFloor(sequentialJobs)));
        table.record(row, 'Conveyor-SQLite', 'concurrent', await run.attempt(`${row}: single`, () => sqliteSingleInsertFloor(concurrentJobs)));
      }
      if (run.has('conveyor-postgres')) {
        const row = 'raw PostgreSQL floor';
        const server = await run.floorServer();
        table.record(row, 'Conveyor-PostgreSQL', 'bulk', await run.attempt(`${row}: bulk`, () => postgresBulkFloor(server, jobs)));
        table.record(row, 'Conveyor-PostgreSQL', 'sequential', await run.attempt(`${row}: single`, () => postgresSingleInsertFloor(server, sequentialJobs, 1)));
        table.record(row, 'Conveyor-PostgreSQL', 'concurrent', await run.attempt(`${row}: ${callers} callers`, () => postgresSingleInsertFloor(server, concurrentJobs, callers)));
      }
      if (redisMissing === null) {
        const row = `Redis LPUSH floor (redis-benchmark, ${callers} clients)`;
        table.record(row, 'Conveyor-PostgreSQL', 'concurrent', await run.attempt(row, async () => (await redisBenchmark(run.environment.redisUrl, ['lpush'], callers)).get('lpush') ?? Number.NaN));
      }
    },
  };
}
