import { describe, expect, it } from 'vitest';
import { latencyPercentiles, startLatencyMs } from './queue-latency.js';

const at = (ms: number) => new Date(1_800_000_000_000 + ms);

describe('start latency', () => {
  it('counts from the later of enqueue and run-at', () => {
    expect(startLatencyMs({ createdAt: at(0), runAt: at(0), startedAt: at(250) })).toBe(250);
    expect(startLatencyMs({ createdAt: at(0), runAt: at(1000), startedAt: at(1040) })).toBe(40);
    expect(startLatencyMs({ createdAt: at(0), runAt: at(0), startedAt: null })).toBeNull();
  });

  it('gives nearest-rank p50/p90/p99 of the jobs started since the window began', () => {
    // Waits 10, 20, …, 1000 ms, plus one old job (started before the window) that must not count.
    const jobs = Array.from({ length: 100 }, (_, index) => ({ createdAt: at(0), runAt: at(0), startedAt: at((index + 1) * 10) }));
    jobs.push({ createdAt: at(-100_000), runAt: at(-100_000), startedAt: at(-1) });
    expect(latencyPercentiles(jobs, at(0))).toEqual({ count: 100, p50: 500, p90: 900, p99: 990 });
  });

  it('has no percentiles without started jobs', () => {
    expect(latencyPercentiles([{ createdAt: at(0), runAt: at(0), startedAt: null }], at(0))).toEqual({ count: 0, p50: null, p90: null, p99: null });
  });
});
