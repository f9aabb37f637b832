/**
 * Dependencies the workers find down, one entry per worker and dependency: what `/ready`, doctor,
 * the overview and the job page all start from.
 *
 * Why a queued job may be waiting on the services its task needs: for each live worker that serves
 * the job's queue and task, the dependencies of that task it finds down. A worker holds back a task
 * while one of them is down, so the job waits for as long as every such worker has one down.
 */
import type { DependencyStatus, WorkerRecord } from '../store/store.js';

/** A dependency one worker found down at its latest check. */
export interface DependencyDown<Worker extends WorkerRecord = WorkerRecord> {
  worker: Worker;
  dependency: DependencyStatus;
}

/** Every dependency these workers found down, worker by worker. */
export function dependenciesDown<Worker extends WorkerRecord>(workers: readonly Worker[]): DependencyDown<Worker>[] {
  return workers.flatMap((worker) => worker.dependencies.filter((dependency) => !dependency.up).map((dependency) => ({ worker, dependency })));
}

export interface DependencyHold {
  workerId: string;
  host: string;
  dependency: DependencyStatus;
}

export interface DependencyWait {
  /** Down dependencies of the task, per live worker that serves its queue and task. */
  holds: DependencyHold[];
  /** True when every live worker that serves the queue and task has one of them down: nothing will claim the job until one is back. */
  blocked: boolean;
}

/** @param workers registered workers, each with whether it is live (`conveyor.listWorkers()`). */
export function dependencyWait(job: { task: string; queue: string }, workers: ReadonlyArray<WorkerRecord & { live: boolean }>): DependencyWait {
  const serving = workers.filter((worker) => worker.live && worker.queues.includes(job.queue) && worker.tasks.includes(job.task));
  const holds = dependenciesDown(serving)
    .filter(({ dependency }) => dependency.tasks.includes(job.task))
    .map(({ worker, dependency }) => ({ workerId: worker.id, host: worker.host, dependency }));
  const held = new Set(holds.map((hold) => hold.workerId));
  return { holds, blocked: serving.length > 0 && serving.every((worker) => held.has(worker.id)) };
}

/** `3 queued job(s) of "file.scan"`, for each task a dependency holds back. */
export function waitingJobs(tasks: readonly string[], queuedByTask: Readonly<Record<string, number>>): string {
  return tasks.map((task) => `${queuedByTask[task] ?? 0} queued job(s) of "${task}"`).join(', ');
}
