/**
 * `npm run bench`: Conveyor on SQLite against the raw SQLite floor (the same statements in the same
 * transaction shapes, straight through better-sqlite3), on fresh temporary files. Per BENCH-NOTES,
 * each measurement alternates Conveyor and raw (A B A B …) over 3 rounds and the medians are printed.
 */
import { cpus } from 'node:os';
import Database from 'better-sqlite3';
import { conveyorBulkEnqueue, conveyorDrain, conveyorLatencyCrossProcess, conveyorLatencyInProcess } from './conveyor-side.js';
import { rawBulkEnqueue, rawDrain, rawLatencyCrossProcess, rawLatencyInProcess } from './raw-floor.js';
import { median, percentile, POLL_INTERVAL_MS, removeDatabases } from './shared.js';
import { renderTable, type Row } from './table.js';

const ROUNDS = 3;
const BULK_JOBS = 20_000;
const DRAIN_JOBS = 20_000;
const LATENCY_JOBS = 500;
const LATENCY_PER_SECOND = 100;

interface Sample {
  label: string;
  unit: Row['unit'];
  conveyor: number[];
  raw: number[];
}

const samples = new Map<string, Sample>();

function record(label: string, unit: Row['unit'], side: 'conveyor' | 'raw', value: number): void {
  const sample = samples.get(label) ?? { label, unit, conveyor: [], raw: [] };
  sample[side].push(value);
  samples.set(label, sample);
}

async function throughput(label: string, conveyor: () => Promise<number>, raw: () => Promise<number>): Promise<void> {
  record(label, 'jobs/s', 'conveyor', await conveyor());
  record(label, 'jobs/s', 'raw', await raw());
}

async function latency(label: string, conveyor: () => Promise<number[]>, raw: () => Promise<number[]>): Promise<void> {
  for (const [side, run] of [['conveyor', conveyor], ['raw', raw]] as const) {
    const latencies = await run();
    if (latencies.length !== LATENCY_JOBS) throw new Error(`${label}: ${latencies.length} of ${LATENCY_JOBS} jobs started`);
    record(`${label} p50`, 'ms', side, percentile(latencies, 0.5));
    record(`${label} p99`, 'ms', side, percentile(latencies, 0.99));
  }
}

function environment(): string {
  const db = new Database(':memory:');
  const { version } = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
  db.close();
  return `Node ${process.version}, SQLite ${version}, ${cpus().length} CPUs; WAL, synchronous=full; medians of ${ROUNDS} interleaved rounds`;
}

async function main(): Promise<void> {
  const started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    await throughput(`bulk enqueue, ${BULK_JOBS.toLocaleString('en-US')} in chunks of 1000`, () => conveyorBulkEnqueue(BULK_JOBS), () => rawBulkEnqueue(BULK_JOBS));
    await throughput('drain, 1 worker, concurrency 10', () => conveyorDrain(DRAIN_JOBS, 10), () => rawDrain(DRAIN_JOBS, 10));
    await throughput('drain, 1 worker, concurrency 50', () => conveyorDrain(DRAIN_JOBS, 50), () => rawDrain(DRAIN_JOBS, 50));
    await latency('enqueue→start, worker in process,', () => conveyorLatencyInProcess(LATENCY_JOBS, LATENCY_PER_SECOND), () => rawLatencyInProcess(LATENCY_JOBS, LATENCY_PER_SECOND));
    await latency(`enqueue→start, other process (poll ${POLL_INTERVAL_MS} ms),`, () => conveyorLatencyCrossProcess(LATENCY_JOBS, LATENCY_PER_SECOND), () => rawLatencyCrossProcess(LATENCY_JOBS, LATENCY_PER_SECOND));
    process.stderr.write(`round ${round}/${ROUNDS} done after ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const rows = [...samples.values()].map((sample) => ({ label: sample.label, unit: sample.unit, conveyor: median(sample.conveyor), raw: median(sample.raw) }));
  process.stdout.write(`\nConveyor SQLite bench: ${environment()}\n`);
  process.stdout.write(`Latency: ${LATENCY_JOBS} single enqueues at ${LATENCY_PER_SECOND}/s to an idle worker, startedAt − createdAt. Drain: ${DRAIN_JOBS.toLocaleString('en-US')} no-op jobs; raw claims batches of 10 / 50.\n\n`);
  process.stdout.write(`${renderTable(rows)}\n`);
  process.stdout.write('\nConveyor/raw: for jobs/s, below 1 means Conveyor is slower than the floor; for ms, above 1.\n');
}

try {
  await main();
} finally {
  removeDatabases();
}
