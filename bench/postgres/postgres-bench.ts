/**
 * Conveyor on PostgreSQL against the raw PostgreSQL floor (the store's own statements in the same
 * transaction shapes, straight through `pg`), each run in a fresh schema dropped afterwards. Per
 * BENCH-NOTES, each measurement alternates Conveyor and raw (A B A B …) over the rounds and the
 * medians are printed.
 */
import { cpus, loadavg } from 'node:os';
import { Samples } from '../samples.js';
import type { BenchSettings } from '../settings.js';
import { POLL_INTERVAL_MS } from '../shared.js';
import { renderTable } from '../table.js';
import { conveyorBulkEnqueue, conveyorDrain, conveyorLatencyCrossProcess, conveyorLatencyInProcess } from './conveyor-side.js';
import { WARM_UP_JOBS } from './latency-run.js';
import { rawBulkEnqueue, rawDrain, rawLatencyCrossProcess, rawLatencyInProcess } from './raw-side.js';
import { BenchServer, type ServerEnvironment } from './server.js';

/** Latencies are timed in process with sub-millisecond resolution. */
const LATENCY_DECIMALS = 2;

async function measure(server: BenchServer, settings: BenchSettings): Promise<Samples> {
  const { rounds, bulkJobs, drainJobs, latencyJobs, latencyPerSecond } = settings;
  const samples = new Samples(LATENCY_DECIMALS);
  const started = performance.now();
  for (let round = 1; round <= rounds; round++) {
    await samples.throughput(`bulk enqueue, ${bulkJobs.toLocaleString('en-US')} in chunks of 1000`, () => conveyorBulkEnqueue(server, bulkJobs), () => rawBulkEnqueue(server, bulkJobs));
    await samples.throughput('drain, 1 worker, concurrency 10', () => conveyorDrain(server, drainJobs, 10), () => rawDrain(server, drainJobs, 10));
    await samples.throughput('drain, 1 worker, concurrency 50', () => conveyorDrain(server, drainJobs, 50), () => rawDrain(server, drainJobs, 50));
    await samples.latency(
      'enqueue→start, worker in process,',
      latencyJobs,
      () => conveyorLatencyInProcess(server, latencyJobs, latencyPerSecond),
      () => rawLatencyInProcess(server, latencyJobs, latencyPerSecond),
    );
    await samples.latency(
      'enqueue→start, other process (LISTEN/NOTIFY),',
      latencyJobs,
      () => conveyorLatencyCrossProcess(server, latencyJobs, latencyPerSecond),
      () => rawLatencyCrossProcess(server, latencyJobs, latencyPerSecond),
    );
    process.stderr.write(`round ${round}/${rounds} done after ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  return samples;
}

/** `loadAtStart`: the 1-minute load average before the first round, since other work on the machine skews every figure. */
function environmentLine(server: ServerEnvironment, rounds: number, loadAtStart: number): string {
  return (
    `Node ${process.version}, PostgreSQL ${server.version}, ${cpus().length} CPUs (load ${loadAtStart.toFixed(1)} at start); fsync=${server.fsync}, ` +
    `synchronous_commit=${server.synchronousCommit}, wal_sync_method=${server.walSyncMethod}; medians of ${rounds} interleaved rounds`
  );
}

export async function runPostgresBench(url: string, settings: BenchSettings): Promise<void> {
  const { rounds, drainJobs, latencyJobs, latencyPerSecond } = settings;
  const server = await BenchServer.connect(url);
  // Ctrl-C still drops this run's schemas.
  const interrupted = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: dropping this run's schemas\n`);
    void server.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const environment = await server.environment();
    const [loadAtStart = Number.NaN] = loadavg();
    const samples = await measure(server, settings);
    process.stdout.write(`\nConveyor PostgreSQL bench: ${environmentLine(environment, rounds, loadAtStart)}\n`);
    process.stdout.write(
      `Latency: ${latencyJobs} single enqueues at ${latencyPerSecond}/s to an idle worker (after ${WARM_UP_JOBS} warm-up jobs), ` +
        `handler start − time before enqueue(). Other process: woken by LISTEN/NOTIFY (poll ${POLL_INTERVAL_MS} ms as fallback). ` +
        `Drain: ${drainJobs.toLocaleString('en-US')} no-op jobs; raw claims batches of 10 / 50 and writes outcomes beside.\n\n`,
    );
    process.stdout.write(`${renderTable(samples.rows())}\n`);
    process.stdout.write('\nConveyor/raw: for jobs/s, below 1 means Conveyor is slower than the floor; for ms, above 1.\n');
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await server.close();
  }
}
