/**
 * Conveyor on SQLite against the raw SQLite floor (the same statements in the same transaction shapes,
 * straight through better-sqlite3), on fresh temporary files. Per BENCH-NOTES, each measurement
 * alternates Conveyor and raw (A B A B …) over the rounds and the medians are printed.
 */
import { cpus } from 'node:os';
import Database from 'better-sqlite3';
import { conveyorBulkEnqueue, conveyorDrain, conveyorLatencyCrossProcess, conveyorLatencyInProcess } from './conveyor-side.js';
import { rawBulkEnqueue, rawDrain, rawLatencyCrossProcess, rawLatencyInProcess } from './raw-floor.js';
import { Samples } from './samples.js';
import type { BenchSettings } from './settings.js';
import { POLL_INTERVAL_MS, removeDatabases } from './shared.js';
import { renderTable } from './table.js';

function environment(rounds: number): string {
  const db = new Database(':memory:');
  const { version } = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
  db.close();
  return `Node ${process.version}, SQLite ${version}, ${cpus().length} CPUs; WAL, synchronous=full; medians of ${rounds} interleaved rounds`;
}

async function measure(settings: BenchSettings): Promise<Samples> {
  const { rounds, bulkJobs, drainJobs, latencyJobs, latencyPerSecond } = settings;
  const samples = new Samples();
  const started = performance.now();
  for (let round = 1; round <= rounds; round++) {
    await samples.throughput(`bulk enqueue, ${bulkJobs.toLocaleString('en-US')} in chunks of 1000`, () => conveyorBulkEnqueue(bulkJobs), () => rawBulkEnqueue(bulkJobs));
    await samples.throughput('drain, 1 worker, concurrency 10', () => conveyorDrain(drainJobs, 10), () => rawDrain(drainJobs, 10));
    await samples.throughput('drain, 1 worker, concurrency 50', () => conveyorDrain(drainJobs, 50), () => rawDrain(drainJobs, 50));
    await samples.latency('enqueue→start, worker in process,', latencyJobs, () => conveyorLatencyInProcess(latencyJobs, latencyPerSecond), () => rawLatencyInProcess(latencyJobs, latencyPerSecond));
    await samples.latency(
      `enqueue→start, other process (poll ${POLL_INTERVAL_MS} ms),`,
      latencyJobs,
      () => conveyorLatencyCrossProcess(latencyJobs, latencyPerSecond),
      () => rawLatencyCrossProcess(latencyJobs, latencyPerSecond),
    );
    process.stderr.write(`round ${round}/${rounds} done after ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  return samples;
}

export async function runSqliteBench(settings: BenchSettings): Promise<void> {
  const { rounds, drainJobs, latencyJobs, latencyPerSecond } = settings;
  try {
    const samples = await measure(settings);
    process.stdout.write(`\nConveyor SQLite bench: ${environment(rounds)}\n`);
    process.stdout.write(`Latency: ${latencyJobs} single enqueues at ${latencyPerSecond}/s to an idle worker, startedAt − createdAt. Drain: ${drainJobs.toLocaleString('en-US')} no-op jobs; raw claims batches of 10 / 50.\n\n`);
    process.stdout.write(`${renderTable(samples.rows())}\n`);
    process.stdout.write('\nConveyor/raw: for jobs/s, below 1 means Conveyor is slower than the floor; for ms, above 1.\n');
  } finally {
    removeDatabases();
  }
}
