/**
 * Workloads 2 and 3, drain: `jobs` queued no-op jobs drained by one process at each in-process
 * concurrency, then (systems whose store is shared between machines) by 2 and 4 worker processes.
 */
import { rawDrain as sqliteDrainFloor } from '../../raw-floor.js';
import { rawDrain as postgresDrainFloor } from '../../postgres/raw-side.js';
import type { RunContext, Workload } from '../context.js';
import { drainRate } from '../drain-run.js';
import { redisBenchmark, redisBenchmarkMissing } from '../floors.js';
import { ResultTable } from '../results.js';
import { conveyorOf } from '../systems.js';
import { CONVEYOR_PREFETCH } from '../adapters/conveyor.js';

const HOW = 'Clock from before the workers start until the store says nothing is pending (seeding and ANALYZE untimed).';

export function drainWorkload(run: RunContext): Workload {
  const { jobs, drainConcurrency } = run.settings;
  const table = new ResultTable(
    `Drain ${jobs.toLocaleString('en-US')} queued no-op jobs, one process`,
    drainConcurrency.map((concurrency) => ({ key: `c${concurrency}`, title: `concurrency ${concurrency}`, unit: 'jobs/s' })),
    [
      HOW,
      'pg-boss: localConcurrency = the concurrency, each of those workers fetching batches of 100.',
      `Raw floors: the store's claim and completion statements issued directly, claiming batches of the concurrency + Conveyor's prefetch (${CONVEYOR_PREFETCH}), the largest claim its worker makes; Redis: RPOP with as many clients.`,
      `Conveyor: prefetch ${CONVEYOR_PREFETCH} (WorkerOptions.prefetch), the same jobs in hand as graphile-worker's localQueue.size.`,
    ],
  );
  const redisMissing = run.has('bullmq') ? redisBenchmarkMissing() : 'BullMQ not selected';

  return {
    tables: [table],
    async round() {
      for (const concurrency of drainConcurrency) {
        const column = `c${concurrency}`;
        for (const system of run.systems) {
          const rate = await run.measure(system, `drain at concurrency ${concurrency}`, (instance) => drainRate(run, system, instance, concurrency, 0));
          table.record(system.definition.name, conveyorOf(system.definition.family), column, rate);
        }
        if (run.has('conveyor-sqlite')) {
          table.record('raw SQLite floor', 'Conveyor-SQLite', column, await run.attempt('raw SQLite floor: drain', () => sqliteDrainFloor(jobs, concurrency + CONVEYOR_PREFETCH)));
        }
        if (run.has('conveyor-postgres')) {
          const server = await run.floorServer();
          table.record('raw PostgreSQL floor', 'Conveyor-PostgreSQL', column, await run.attempt('raw PostgreSQL floor: drain', () => postgresDrainFloor(server, jobs, concurrency + CONVEYOR_PREFETCH)));
        }
        if (redisMissing === null) {
          const rpop = await run.attempt('Redis RPOP floor', async () => (await redisBenchmark(run.environment.redisUrl, ['lpush', 'rpop'], concurrency)).get('rpop') ?? Number.NaN);
          table.record('Redis RPOP floor (redis-benchmark)', 'Conveyor-PostgreSQL', column, rpop);
        }
      }
    },
  };
}

export function processesWorkload(run: RunContext): Workload {
  const { jobs, processCounts, processConcurrency } = run.settings;
  const table = new ResultTable(
    `Drain ${jobs.toLocaleString('en-US')} queued no-op jobs, worker processes of concurrency ${processConcurrency} each`,
    processCounts.map((processes) => ({ key: `p${processes}`, title: `${processes} processes`, unit: 'jobs/s' })),
    [HOW, 'The worker processes are started and connected before the clock; the clock covers their workers starting.'],
  );
  const systems = run.systems.filter((system) => system.definition.multiProcess);

  return {
    tables: [table],
    async round() {
      for (const processes of processCounts) {
        for (const system of systems) {
          const rate = await run.measure(system, `drain with ${processes} processes`, (instance) => drainRate(run, system, instance, processConcurrency, processes));
          table.record(system.definition.name, conveyorOf(system.definition.family), `p${processes}`, rate);
        }
      }
    },
  };
}
