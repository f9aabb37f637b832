/**
 * What every bench collects: each measurement taken for Conveyor and then for the raw floor, once per
 * round (A B A B …, as BENCH-NOTES asks), and the medians of the rounds as table rows.
 */
import { median, percentile } from './shared.js';
import type { Row } from './table.js';

interface Sample {
  label: string;
  unit: Row['unit'];
  conveyor: number[];
  raw: number[];
}

export class Samples {
  private readonly byLabel = new Map<string, Sample>();

  /** `latencyDecimals`: how latencies are printed (0 when they come from 1 ms timestamps). */
  constructor(private readonly latencyDecimals = 0) {}

  /** One round of a jobs/s measurement: Conveyor, then raw. */
  async throughput(label: string, conveyor: () => Promise<number>, raw: () => Promise<number>): Promise<void> {
    this.record(label, 'jobs/s', 'conveyor', await conveyor());
    this.record(label, 'jobs/s', 'raw', await raw());
  }

  /** One round of a latency measurement: Conveyor, then raw; each run must report `expected` latencies. */
  async latency(label: string, expected: number, conveyor: () => Promise<number[]>, raw: () => Promise<number[]>): Promise<void> {
    for (const [side, run] of [['conveyor', conveyor], ['raw', raw]] as const) {
      const latencies = await run();
      if (latencies.length !== expected) throw new Error(`${label} (${side}): ${latencies.length} of ${expected} jobs started`);
      this.record(`${label} p50`, 'ms', side, percentile(latencies, 0.5));
      this.record(`${label} p99`, 'ms', side, percentile(latencies, 0.99));
    }
  }

  /** The medians over the rounds, in the order the measurements were first taken. */
  rows(): Row[] {
    return [...this.byLabel.values()].map((sample) => ({
      label: sample.label,
      unit: sample.unit,
      conveyor: median(sample.conveyor),
      raw: median(sample.raw),
      decimals: sample.unit === 'ms' ? this.latencyDecimals : 0,
    }));
  }

  private record(label: string, unit: Row['unit'], side: 'conveyor' | 'raw', value: number): void {
    const sample = this.byLabel.get(label) ?? { label, unit, conveyor: [], raw: [] };
    sample[side].push(value);
    this.byLabel.set(label, sample);
  }
}
