/**
 * Workload 4, enqueue→start latency at idle: `latencyJobs` single enqueues `latencySpacingMs` apart to
 * an idle worker in another process (concurrency 10), after warm-up jobs that open connections and
 * LISTENs. The enqueue time is taken just before the enqueue call, the start time as the handler
 * starts; both are wall-clock, which processes on one machine share.
 */
import { rawLatencyCrossProcess } from '../../postgres/raw-side.js';
import { WARM_UP_JOBS } from '../../postgres/latency-run.js';
import { wallClockMs } from '../../postgres/jobs.js';
import { atSteadyRate, percentile } from '../../shared.js';
import type { RunContext, Workload } from '../context.js';
import { drainTimeoutMs } from '../drain-run.js';
import { inProcessFleet, ProcessFleet, type Fleet } from '../fleet.js';
import { ResultTable } from '../results.js';
import type { QueueSystem } from '../system.js';
import { conveyorOf, type LoadedSystem } from '../systems.js';

const CONCURRENCY = 10;
const PERCENTILES = [
  ['p50', 0.5],
  ['p95', 0.95],
  ['p99', 0.99],
] as const;

async function latencies(run: RunContext, system: LoadedSystem, instance: QueueSystem, inProcess: boolean): Promise<number[]> {
  const { latencyJobs, latencySpacingMs } = run.settings;
  const perSecond = 1000 / latencySpacingMs;
  const fleet: Fleet = inProcess
    ? inProcessFleet(instance, CONCURRENCY)
    : await ProcessFleet.spawn({ key: system.key, location: instance.location, processes: 1, concurrency: CONCURRENCY, environment: run.environment });
  try {
    await fleet.start();
    await atSteadyRate(WARM_UP_JOBS, perSecond, (i) => instance.enqueueOne({ n: -(i + 1), enqueuedAt: wallClockMs() }));
    await fleet.tally.until(WARM_UP_JOBS, drainTimeoutMs(WARM_UP_JOBS));
    await atSteadyRate(latencyJobs, perSecond, (n) => instance.enqueueOne({ n, enqueuedAt: wallClockMs() }));
    await fleet.tally.until(WARM_UP_JOBS + latencyJobs, drainTimeoutMs(latencyJobs));
  } finally {
    await fleet.stop();
  }
  return fleet.tally.latencies;
}

export function latencyWorkload(run: RunContext): Workload {
  const { latencyJobs, latencySpacingMs } = run.settings;
  const table = new ResultTable(
    `Enqueue→start latency at idle, ${latencyJobs.toLocaleString('en-US')} jobs ${latencySpacingMs} ms apart`,
    PERCENTILES.map(([key]) => ({ key, title: key, unit: 'ms' })),
    [
      `Worker in another process, concurrency ${CONCURRENCY}; ${WARM_UP_JOBS} warm-up jobs first. Handler start − time taken just before the enqueue call.`,
      'Conveyor-SQLite in another process hears the commit through the file\'s change notices (polling stays as the fallback); the in-process row is woken by the enqueue itself.',
      'Raw PostgreSQL floor: the store\'s insert, and a bare LISTEN/NOTIFY claimer in another process running the store\'s claim statement.',
    ],
  );
  const record = (row: string, reference: string, values: number[]): void => {
    for (const [key, p] of PERCENTILES) table.record(row, reference, key, values.length === 0 ? Number.NaN : percentile(values, p));
  };
  const checked = (values: number[]): number[] => {
    if (values.length !== latencyJobs) throw new Error(`${values.length} of ${latencyJobs} latencies recorded`);
    return values;
  };

  return {
    tables: [table],
    async round() {
      const rows: Array<[LoadedSystem, boolean]> = run.systems.map((system) => [system, false]);
      const sqlite = run.systems.find((system) => system.key === 'conveyor-sqlite');
      if (sqlite !== undefined) rows.splice(1, 0, [sqlite, true]);
      for (const [system, inProcess] of rows) {
        const name = `${system.definition.name}${inProcess ? ' (worker in process)' : ''}`;
        let values: number[] = [];
        await run.measure(system, `latency${inProcess ? ' in process' : ''}`, async (instance) => {
          values = checked(await latencies(run, system, instance, inProcess));
          return 0;
        });
        record(name, conveyorOf(system.definition.family), values);
      }
      if (run.has('conveyor-postgres')) {
        const server = await run.floorServer();
        let values: number[] = [];
        await run.attempt('raw PostgreSQL floor: latency', async () => {
          values = checked(await rawLatencyCrossProcess(server, latencyJobs, 1000 / latencySpacingMs));
          return 0;
        });
        record('raw PostgreSQL floor (LISTEN/NOTIFY)', 'Conveyor-PostgreSQL', values);
      }
    },
  };
}
