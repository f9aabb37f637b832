/**
 * What the overview shows, loaded in one go: every queue's depth by state and pause switch (the same
 * numbers as `GET /queues`), its throughput over the last hour, the orphan report (F1, F2) and the
 * readiness checks of `GET /ready`.
 */
import type { OrphanReport } from '../client/orphans.js';
import type { Conveyor } from '../conveyor.js';
import { checkReadiness, type Readiness } from '../server/health.js';
import { DEPTH_STATES, THROUGHPUT_WINDOW_MS, toQueueDtos, type QueueDto } from '../server/queue-dto.js';
import type { Throughput, ThroughputCounter } from './throughput.js';

/** How long readiness waits for each store call, as `/ready` does by default. */
const READINESS_TIMEOUT_MS = 2_000;

export interface OverviewData {
  now: Date;
  queues: QueueDto[];
  throughput: Throughput;
  /** Null when the store did not answer (readiness then says why). */
  orphans: OrphanReport | null;
  readiness: Readiness;
}

export async function loadOverview(conveyor: Conveyor, throughputCounter: ThroughputCounter, now: Date = new Date()): Promise<OverviewData> {
  // One orphan report for both the warnings and the readiness checks.
  const report = conveyor.orphans();
  const [readiness, orphans] = await Promise.all([checkReadiness(conveyor, READINESS_TIMEOUT_MS, () => report), report.catch(() => null)]);
  const [states, counts, finished, throughput] = await Promise.all([
    conveyor.listQueues(),
    conveyor.store.jobCountByGroup({ states: [...DEPTH_STATES] }),
    conveyor.store.jobCountFinishedSince({ since: new Date(now.getTime() - THROUGHPUT_WINDOW_MS) }),
    throughputCounter.load(now),
  ]);
  const queues = toQueueDtos(states, counts, finished);
  // A queue whose jobs all finished within the hour still shows, by its throughput.
  const known = new Set(queues.map((queue) => queue.name));
  const idle = [...throughput.keys()].filter((name) => !known.has(name));
  const idleQueues = toQueueDtos([], [], idle.map((queue) => ({ queue, state: 'succeeded' as const, count: 0 })));
  return { now, queues: [...queues, ...idleQueues].sort((a, b) => a.name.localeCompare(b.name)), throughput, orphans, readiness };
}
