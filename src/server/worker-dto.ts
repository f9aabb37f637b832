/**
 * Workers and orphans (F1) as the HTTP API shows them: every date an ISO 8601 string, and each
 * worker marked live or stalled by its heartbeat.
 */
import { z } from '@hono/zod-openapi';
import type { OrphanReport } from '../client/orphans.js';
import type { WorkerStatus } from '../conveyor.js';
import type { WorkerRecord } from '../store/store.js';
import { isoDate } from './openapi-helpers.js';

export const WorkerSchema = z
  .object({
    id: z.string(),
    live: z.boolean().openapi({ description: 'False when its heartbeat stopped longer ago than the stale threshold: the worker is stalled.' }),
    host: z.string(),
    pid: z.number().int(),
    queues: z.array(z.string()).openapi({ description: 'Queues it claims from.' }),
    tasks: z.array(z.string()).openapi({ description: 'Tasks it can run.' }),
    concurrency: z.number().int(),
    startedAt: isoDate,
    lastHeartbeatAt: isoDate,
    handlersIgnoringAbort: z
      .array(
        z.object({
          jobId: z.string(),
          attempt: z.number().int(),
          task: z.string(),
          reason: z.enum(['timeout', 'cancel', 'shutdown', 'lease-lost']).openapi({ description: 'Why the attempt was aborted.' }),
          abortedAt: isoDate,
        }),
      )
      .openapi({ description: 'Handlers still running after their attempt was aborted, as of the latest heartbeat: each ignores its AbortSignal and holds a slot until it returns.' }),
    dependencies: z
      .array(
        z.object({
          name: z.string(),
          target: z.string().openapi({ description: 'Where the service is, e.g. tcp://clamd:3310.' }),
          up: z.boolean(),
          since: isoDate.openapi({ description: 'When it last went up or down.' }),
          checkedAt: isoDate,
          lastError: z.string().nullable().openapi({ description: 'Why the latest check failed; null while up.' }),
          tasks: z.array(z.string()).openapi({ description: "This worker's tasks that need it." }),
        }),
      )
      .openapi({ description: "What the worker's latest check of each service its tasks need found. While one is down, the worker claims no job of the tasks that wait for it." }),
    taskShapes: z
      .array(
        z.object({
          name: z.string(),
          queue: z.string(),
          input: z
            .object({
              fingerprint: z.string().openapi({ description: "12 hex digits of the SHA-256 of the input schema's JSON Schema." }),
              fields: z.array(z.string()).openapi({ description: 'Its top-level properties, required ones ending in `!`.' }),
            })
            .nullable()
            .openapi({ description: 'Null when the schema offers no JSON Schema (Standard JSON Schema) to compare.' }),
        }),
      )
      .openapi({ description: 'Each task as this worker defines it: two workers with one task name and different shapes run two tasks under one name (`conveyor doctor` warns of it).' }),
  })
  .openapi('Worker');

export const OrphanGroupSchema = z
  .object({
    task: z.string(),
    queue: z.string(),
    count: z.number().int(),
    oldestCreatedAt: isoDate,
    reason: z.enum(['queue-not-served', 'task-not-served']).openapi({ description: 'No live worker serves the queue, or none of those that do knows the task.' }),
  })
  .openapi('OrphanGroup');

export const OrphanReportSchema = z
  .object({
    jobs: z.array(OrphanGroupSchema).openapi({ description: 'Queued jobs no live worker will take, by task and queue.' }),
    stalledWorkers: z.array(WorkerSchema).openapi({ description: 'Workers whose heartbeat stopped; their running jobs are recovered when their leases expire.' }),
    liveWorkers: z.array(WorkerSchema),
  })
  .openapi('OrphanReport');

export type WorkerDto = z.infer<typeof WorkerSchema>;
export type OrphanReportDto = z.infer<typeof OrphanReportSchema>;

/** The JSON form of a worker. */
export function toWorkerDto(worker: WorkerStatus): WorkerDto {
  return {
    id: worker.id,
    live: worker.live,
    host: worker.host,
    pid: worker.pid,
    queues: [...worker.queues],
    tasks: [...worker.tasks],
    concurrency: worker.concurrency,
    startedAt: worker.startedAt.toISOString(),
    lastHeartbeatAt: worker.lastHeartbeatAt.toISOString(),
    handlersIgnoringAbort: worker.handlersIgnoringAbort.map((handler) => ({ ...handler, abortedAt: handler.abortedAt.toISOString() })),
    dependencies: worker.dependencies.map((status) => ({ ...status, tasks: [...status.tasks], since: status.since.toISOString(), checkedAt: status.checkedAt.toISOString() })),
    taskShapes: worker.taskShapes.map((shape) => ({ name: shape.name, queue: shape.queue, input: shape.input === null ? null : { fingerprint: shape.input.fingerprint, fields: [...shape.input.fields] } })),
  };
}

/** The JSON form of an orphan report. */
export function toOrphanReportDto(report: OrphanReport): OrphanReportDto {
  const withLive = (live: boolean) => (worker: WorkerRecord) => toWorkerDto({ ...worker, live });
  return {
    jobs: report.jobs.map((group) => ({ task: group.task, queue: group.queue, count: group.count, oldestCreatedAt: group.oldestCreatedAt.toISOString(), reason: group.reason })),
    stalledWorkers: report.stalledWorkers.map(withLive(false)),
    liveWorkers: report.liveWorkers.map(withLive(true)),
  };
}
