/**
 * One drain measurement, the same for every system (BENCH-NOTES): `jobs` no-op jobs are enqueued in
 * bulk and the tables ANALYZEd (untimed); the clock starts before the workers start and stops when
 * the system's store says nothing is pending. Handler calls are only used to know when to start
 * asking the store, so the asking does not slow the drain it measures.
 */
import { sleep } from '../shared.js';
import type { RunContext } from './context.js';
import { inProcessFleet, ProcessFleet, type Fleet } from './fleet.js';
import type { QueueSystem } from './system.js';
import type { LoadedSystem } from './systems.js';

/** How often the store is asked once every job has been handled. */
const PENDING_POLL_MS = 2;

/** Generous: no system here drains slower than 200 jobs/s. */
export const drainTimeoutMs = (jobs: number): number => Math.max(120_000, jobs * 5);

export async function untilNothingPending(instance: QueueSystem, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (let pending = await instance.pendingCount(); pending > 0; pending = await instance.pendingCount()) {
    if (performance.now() > deadline) throw new Error(`${pending} jobs still pending after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(PENDING_POLL_MS);
  }
}

/** Jobs/s of a drain by workers in this process (`processes` 0) or in `processes` worker processes of `concurrency` each. */
export async function drainRate(run: RunContext, system: LoadedSystem, instance: QueueSystem, concurrency: number, processes: number): Promise<number> {
  const { jobs } = run.settings;
  await instance.enqueueBulk(jobs);
  await instance.analyze();
  const fleet: Fleet =
    processes === 0
      ? inProcessFleet(instance, concurrency)
      : await ProcessFleet.spawn({ key: system.key, location: instance.location, processes, concurrency, environment: run.environment });
  try {
    const start = performance.now();
    await fleet.start();
    await fleet.tally.until(jobs, drainTimeoutMs(jobs));
    await untilNothingPending(instance, drainTimeoutMs(jobs));
    return jobs / ((performance.now() - start) / 1000);
  } finally {
    await fleet.stop();
  }
}
