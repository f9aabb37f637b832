/**
 * What to do about queued jobs no live worker serves, said the same way by `conveyor doctor`, `/ready`
 * and the dashboard: a routing mistake (a worker on the wrong queue, a task not deployed) is fixed by
 * the worker that is missing, or by the task's queue when that is the typo.
 */
import type { OrphanGroup } from '../client/orphans.js';
import type { WorkerRecord } from '../store/store.js';

export function orphanFix(group: OrphanGroup, liveWorkers: readonly WorkerRecord[]): string {
  if (group.reason === 'queue-not-served') {
    const queuesServed = [...new Set(liveWorkers.flatMap((worker) => worker.queues))].sort();
    const listIt = queuesServed.length === 0 ? '' : ` (a worker started with --queues must list it: --queues ${[...queuesServed, group.queue].join(',')})`;
    return `start a worker whose module exports task "${group.task}" (on queue "${group.queue}"): \`conveyor worker <module>\`${listIt}; or, if "${group.queue}" is a typo, fix the task's \`queue\` option and retry the jobs`;
  }
  return `export task "${group.task}" from the module the workers of queue "${group.queue}" load and restart them, or start another worker whose module exports it: \`conveyor worker <module> --queues ${group.queue}\``;
}
