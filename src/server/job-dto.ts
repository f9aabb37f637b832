/**
 * A job as the HTTP API shows it: the domain `Job` with every date as an ISO 8601 string, so the
 * same zod schema describes the JSON on the wire and the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';
import { JOB_STATES, type Job } from '../job.js';
import { isoDate } from './openapi-helpers.js';

export const JobAttemptErrorSchema = z
  .object({
    attempt: z.number().int(),
    message: z.string(),
    stack: z.string().nullable(),
    at: isoDate,
  })
  .openapi('JobAttemptError');

export const JobSchema = z
  .object({
    id: z.string().openapi({ example: '42' }),
    task: z.string().openapi({ example: 'email.send' }),
    queue: z.string().openapi({ example: 'default' }),
    input: z.unknown().openapi({ description: "The input as enqueued (JSON); the task's schema validated it." }),
    state: z.enum(JOB_STATES),
    priority: z.number().int(),
    runAt: isoDate,
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    dedupKey: z.string().nullable(),
    flowId: z.string().nullable(),
    parentId: z.string().nullable(),
    onChildFailure: z.enum(['fail', 'continue']),
    hasChildren: z.boolean().openapi({ description: 'Whether the job waits for children of its own (a flow job)' }),
    concurrencyKey: z.string().nullable(),
    progress: z.object({ fraction: z.number(), message: z.string().nullable() }).nullable(),
    result: z.unknown().openapi({ description: "What the handler returned (JSON); null until it succeeded." }),
    errors: z.array(JobAttemptErrorSchema),
    workerId: z.string().nullable(),
    leaseExpiresAt: isoDate.nullable(),
    cancelRequestedAt: isoDate.nullable(),
    createdAt: isoDate,
    startedAt: isoDate.nullable(),
    finishedAt: isoDate.nullable(),
    updatedAt: isoDate,
  })
  .openapi('Job');

export type JobDto = z.infer<typeof JobSchema>;

/** The JSON form of a job. */
export function toJobDto(job: Job): JobDto {
  return {
    id: job.id,
    task: job.task,
    queue: job.queue,
    input: job.input,
    state: job.state,
    priority: job.priority,
    runAt: job.runAt.toISOString(),
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    dedupKey: job.dedupKey,
    flowId: job.flowId,
    parentId: job.parentId,
    onChildFailure: job.onChildFailure,
    hasChildren: job.hasChildren,
    concurrencyKey: job.concurrencyKey,
    progress: job.progress === null ? null : { fraction: job.progress.fraction, message: job.progress.message },
    result: job.result,
    errors: job.errors.map((error) => ({ attempt: error.attempt, message: error.message, stack: error.stack, at: error.at.toISOString() })),
    workerId: job.workerId,
    leaseExpiresAt: isoOrNull(job.leaseExpiresAt),
    cancelRequestedAt: isoOrNull(job.cancelRequestedAt),
    createdAt: job.createdAt.toISOString(),
    startedAt: isoOrNull(job.startedAt),
    finishedAt: isoOrNull(job.finishedAt),
    updatedAt: job.updatedAt.toISOString(),
  };
}

function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
