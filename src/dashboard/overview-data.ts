/**
 * What the overview shows, loaded in one go from `conveyor.insights`: every queue's depth by state
 * and pause switch (the same numbers as `GET /queues`), its throughput over the last hour, the orphan
 * report (F1, F2) and the readiness checks of `GET /ready`. When the store does not answer, the overview still renders, with
 * the readiness warning saying so and no queue data, rather than an error page.
 */
import type { OrphanReport } from '../client/orphans.js';
import type { Conveyor } from '../conveyor.js';
import { queueOverviewsFrom, type QueueOverview } from '../insights/queue-overview.js';
import type { Readiness } from '../insights/readiness.js';
import type { Throughput } from '../insights/throughput.js';

export interface OverviewData {
  now: Date;
  /** Empty when the store did not answer (see `storeAnswered`). */
  queues: QueueOverview[];
  throughput: Throughput;
  /** Null when the store did not answer (readiness then says why). */
  orphans: OrphanReport | null;
  readiness: Readiness;
  /** False when readiness found the store unreachable: the queue list and throughput are then unknown, not empty. */
  storeAnswered: boolean;
  /** Queued jobs by task (all queues), for the warnings that say how many jobs wait. */
  queuedByTask: ReadonlyMap<string, number>;
}

export async function loadOverview(conveyor: Conveyor, now: Date = new Date()): Promise<OverviewData> {
  // One orphan report for both the warnings and the readiness checks.
  const report = conveyor.orphans();
  const [readiness, [orphans, states, counts, throughput]] = await Promise.all([
    conveyor.insights.readiness({ orphanReport: () => report }),
    Promise.allSettled([report, conveyor.listQueues(), conveyor.insights.jobCounts(), conveyor.insights.throughput(now)]),
  ]);
  const storeAnswered = readiness.checks.some((check) => check.name === 'store' && check.ok);
  // A read that failed while the store answers is a bug, for the error page; with the store down, readiness says why.
  const valueOf = <T>(read: PromiseSettledResult<T>, whenStoreDown: T): T => {
    if (read.status === 'fulfilled') return read.value;
    if (storeAnswered) throw read.reason;
    return whenStoreDown;
  };
  const throughputByQueue = valueOf(throughput, new Map());
  // The dashboard shows throughput by the hour, not the API's last minute; a queue whose jobs all
  // finished within the hour still shows, by its throughput, as a queue that finished none lately.
  const idle = [...throughputByQueue.keys()].map((queue) => ({ queue, state: 'succeeded' as const, count: 0 }));
  const queuedByTask = new Map<string, number>();
  for (const group of valueOf(counts, [])) if (group.state === 'queued') queuedByTask.set(group.task, (queuedByTask.get(group.task) ?? 0) + group.count);
  return {
    now,
    queuedByTask,
    queues: queueOverviewsFrom(valueOf(states, []), valueOf(counts, []), idle),
    throughput: throughputByQueue,
    orphans: orphans.status === 'fulfilled' ? orphans.value : null,
    readiness,
    storeAnswered,
  };
}
