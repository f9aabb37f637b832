/** The enqueue pattern of every latency run, Conveyor's and the floor's alike. */
import { atSteadyRate } from '../shared.js';
import { wallClockMs } from './jobs.js';
import type { BenchSchema, BenchServer } from './server.js';

/**
 * Jobs enqueued before the measured ones, and not counted: they open the pools' connections and let
 * the worker's LISTEN connection come up, so the figures are of an idle system, not a cold one.
 */
export const WARM_UP_JOBS = 20;

export interface LatencyInput {
  /** ≥ 0 for measured jobs, < 0 for warm-up jobs. */
  n: number;
  /** Wall-clock ms taken just before the enqueue call. */
  enqueuedAt: number;
}

/**
 * Enqueue the warm-up jobs and wait until they are finished, then enqueue `count` measured jobs at a
 * steady `perSecond` and wait until those are finished too.
 */
export async function enqueueSpacedApart(
  server: BenchServer,
  schema: BenchSchema,
  count: number,
  perSecond: number,
  enqueue: (input: LatencyInput) => Promise<unknown>,
): Promise<void> {
  await atSteadyRate(WARM_UP_JOBS, perSecond, async (i) => void (await enqueue({ n: -(i + 1), enqueuedAt: wallClockMs() })));
  await server.waitUntilFinished(schema, 5);
  await atSteadyRate(count, perSecond, async (n) => void (await enqueue({ n, enqueuedAt: wallClockMs() })));
  await server.waitUntilFinished(schema, 20);
}
