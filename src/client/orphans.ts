/**
 * Orphans (F1): queued jobs that no live worker will ever take, because no live worker serves their
 * queue, or none that serves the queue knows their task; and workers whose heartbeat stopped.
 */
import type { JobCount, Store, WorkerRecord } from '../store/store.js';

/** A worker is live while its latest heartbeat is younger than this. @default 10_000 */
export const DEFAULT_WORKER_STALE_AFTER_MS = 10_000;

export interface OrphanGroup {
  task: string;
  queue: string;
  count: number;
  oldestCreatedAt: Date;
  reason: 'queue-not-served' | 'task-not-served';
}

export interface OrphanReport {
  /** Queued jobs no live worker serves, grouped by task and queue. */
  jobs: OrphanGroup[];
  /** Workers whose heartbeat stopped (killed, hung, cut off); their running jobs are recovered when leases expire. */
  stalledWorkers: WorkerRecord[];
  /** Workers heartbeating now. */
  liveWorkers: WorkerRecord[];
  /** Queued jobs per task, served or not: how many wait while a dependency of the task is down. */
  queuedByTask: Record<string, number>;
}

export function isWorkerLive(worker: WorkerRecord, now: Date, staleAfterMs: number): boolean {
  return now.getTime() - worker.lastHeartbeatAt.getTime() < staleAfterMs;
}

export async function findOrphans(store: Store, now: Date, staleAfterMs: number): Promise<OrphanReport> {
  const [workers, counts] = await Promise.all([store.workers.list(), store.jobs.countByGroup({ states: ['queued'] })]);
  const liveWorkers = workers.filter((worker) => isWorkerLive(worker, now, staleAfterMs));
  const stalledWorkers = workers.filter((worker) => !isWorkerLive(worker, now, staleAfterMs));
  const jobs = counts.flatMap((group) => {
    const reason = orphanReason(group, liveWorkers);
    return reason === null ? [] : [{ task: group.task, queue: group.queue, count: group.count, oldestCreatedAt: group.oldestCreatedAt, reason }];
  });
  const queuedByTask: Record<string, number> = {};
  for (const group of counts) queuedByTask[group.task] = (queuedByTask[group.task] ?? 0) + group.count;
  return { jobs, stalledWorkers, liveWorkers, queuedByTask };
}

function orphanReason(group: JobCount, liveWorkers: WorkerRecord[]): OrphanGroup['reason'] | null {
  const onQueue = liveWorkers.filter((worker) => worker.queues.includes(group.queue));
  if (onQueue.length === 0) return 'queue-not-served';
  return onQueue.some((worker) => worker.tasks.includes(group.task)) ? null : 'task-not-served';
}
