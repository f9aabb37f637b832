/** A worker's options, with defaults and checks that name the setting (F7). */
import { checkDependencies } from '../task.js';
import type { Dependency } from '../dependency.js';
import { checkInteger } from '../config.js';
import { ConveyorConfigError } from '../errors.js';
import type { Task } from '../task.js';
import type { MaintenanceOptions } from './maintenance.js';
import { DEFAULT_MAX_RESULT_BYTES } from './outcome.js';
import type { ResourceDefinition, ResourceDefinitions } from './resources.js';

export interface WorkerOptions {
  /** The tasks this worker runs. */
  tasks: Task[];
  /** Queues to serve. @default every queue of `tasks` */
  queues?: string[];
  /** Jobs run at once. @default 10 */
  concurrency?: number;
  /**
   * Jobs claimed ahead of the free slots and held here until a slot frees, so many short jobs take
   * fewer, larger claims. Held jobs are `running` in the store under this worker's lease (renewed by
   * its heartbeats; their `startedAt` is the claim's time); on `stop()` they are handed back at once.
   * Leave it at 0 for long jobs: a held job would wait behind a running one while another worker idles.
   * @default 0
   */
  prefetch?: number;
  /** How often an idle worker looks for jobs queued by other processes. @default 200 */
  pollIntervalMs?: number;
  /** A running job's lease; another worker re-queues the job when it expires unrenewed. @default 30_000 */
  leaseMs?: number;
  /** How often the worker renews its leases and its registry record; under half of `leaseMs`. @default 2000 */
  heartbeatIntervalMs?: number;
  /** On `stop()`, how long in-flight jobs may finish before they are aborted and handed back. @default 10_000 */
  drainMs?: number;
  /** Resources created on start, handed to handlers as `ctx.resources`, closed on stop. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resources?: Partial<ResourceDefinitions> & Record<string, ResourceDefinition<any>>;
  /** Maintenance settings, or false to leave maintenance to other workers. */
  maintenance?: Partial<Omit<MaintenanceOptions, 'retention'>> | false;
  /**
   * The largest result a handler may return, in bytes of its JSON text; a larger one fails the
   * attempt with an error naming this limit. Keep large outputs elsewhere and return a reference.
   * @default 1_048_576 (1 MiB)
   */
  maxResultBytes?: number;
  /** Services every task of this worker needs, checked like each task's own `dependencies`. */
  dependencies?: readonly Dependency[];
}

export interface ResolvedWorkerOptions {
  tasks: Map<string, Task>;
  queues: string[];
  concurrency: number;
  prefetch: number;
  pollIntervalMs: number;
  leaseMs: number;
  heartbeatIntervalMs: number;
  drainMs: number;
  resources: Record<string, ResourceDefinition<unknown>>;
  maintenance: Omit<MaintenanceOptions, 'retention'> | false;
  maxResultBytes: number;
  dependencies: readonly Dependency[];
}

export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const tasks = resolveTasks(options.tasks);
  const queues = options.queues ?? [...new Set([...tasks.values()].map((task) => task.queue))];
  checkQueues(queues, tasks);
  const leaseMs = checkInteger('worker leaseMs', options.leaseMs ?? 30_000, 100, 86_400_000, 30_000);
  const heartbeatIntervalMs = checkInteger('worker heartbeatIntervalMs', options.heartbeatIntervalMs ?? Math.min(2000, Math.floor(leaseMs / 3)), 10, Math.floor(leaseMs / 2), 2000);
  return {
    tasks,
    queues,
    concurrency: checkInteger('worker concurrency', options.concurrency ?? 10, 1, 10_000, 10),
    prefetch: checkInteger('worker prefetch', options.prefetch ?? 0, 0, 10_000, 100),
    pollIntervalMs: checkInteger('worker pollIntervalMs', options.pollIntervalMs ?? 200, 1, 60_000, 200),
    leaseMs,
    heartbeatIntervalMs,
    drainMs: checkInteger('worker drainMs', options.drainMs ?? 10_000, 0, 3_600_000, 10_000),
    resources: (options.resources ?? {}) as Record<string, ResourceDefinition<unknown>>,
    maintenance: options.maintenance === false ? false : resolveMaintenance(options.maintenance ?? {}),
    maxResultBytes: checkInteger('worker maxResultBytes', options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES, 1, 256 * 1024 * 1024, 1_048_576),
    dependencies: checkDependencies('worker dependencies', options.dependencies ?? []),
  };
}

function resolveTasks(tasks: unknown): Map<string, Task> {
  if (!Array.isArray(tasks) || tasks.length === 0) {
    throw new ConveyorConfigError('worker tasks', 'must list at least one task made by defineTask', '[sendEmail, exportReport]');
  }
  const byName = new Map<string, Task>();
  for (const task of tasks as Task[]) {
    if (typeof task?.name !== 'string' || typeof task.run !== 'function') {
      throw new ConveyorConfigError('worker tasks', `holds ${String(task)}, which is not a task made by defineTask`, '[sendEmail, exportReport]');
    }
    if (byName.has(task.name)) {
      throw new ConveyorConfigError('worker tasks', `lists the task name "${task.name}" twice; task names must be unique`, '[sendEmail, exportReport]');
    }
    byName.set(task.name, task);
  }
  return byName;
}

function checkQueues(queues: string[], tasks: Map<string, Task>): void {
  const served = new Set(queues);
  for (const task of tasks.values()) {
    if (!served.has(task.queue)) {
      throw new ConveyorConfigError('worker queues', `omits "${task.queue}", the queue of task "${task.name}", so that task would never run here`, JSON.stringify([...served, task.queue]));
    }
  }
  for (const queue of served) {
    if (![...tasks.values()].some((task) => task.queue === queue)) {
      throw new ConveyorConfigError('worker queues', `lists "${queue}", but none of this worker's tasks is on it`, JSON.stringify([...new Set([...tasks.values()].map((t) => t.queue))]));
    }
  }
}

function resolveMaintenance(options: Partial<Omit<MaintenanceOptions, 'retention'>>): Omit<MaintenanceOptions, 'retention'> {
  return {
    intervalMs: checkInteger('worker maintenance.intervalMs', options.intervalMs ?? 1000, 10, 3_600_000, 1000),
    scheduleIntervalMs: checkInteger('worker maintenance.scheduleIntervalMs', options.scheduleIntervalMs ?? 250, 10, 3_600_000, 250),
    pruneIntervalMs: checkInteger('worker maintenance.pruneIntervalMs', options.pruneIntervalMs ?? 60_000, 10, 86_400_000, 60_000),
    batchSize: checkInteger('worker maintenance.batchSize', options.batchSize ?? 1000, 1, 100_000, 1000),
  };
}
