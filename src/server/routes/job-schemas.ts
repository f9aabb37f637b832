/** Request and response schemas of the job routes; they also make the OpenAPI document. */
import { z } from '@hono/zod-openapi';
import { parseJobId } from '../../store/encoding.js';
import { JOB_STATES, type JobState } from '../../job.js';
import { JobSchema } from '../job-dto.js';

/** Most jobs one bulk request may enqueue, and most one page may list. */
export const MAX_BULK_JOBS = 1000;
export const MAX_PAGE_SIZE = 1000;

export const EnqueueOptionsSchema = z
  .strictObject({
    delayMs: z.number().int().min(0).optional().openapi({ description: 'Run no sooner than this many milliseconds from now. Not with runAt.', example: 60_000 }),
    runAt: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Run no sooner than this time. Not with delayMs.', example: '2030-01-01T09:00:00Z' }),
    priority: z.number().int().optional().openapi({ description: "Higher runs first; default: the task's priority." }),
    dedupKey: z.string().optional().openapi({ description: 'While a job of this task with this key is unfinished, enqueuing again returns it.' }),
    maxAttempts: z.number().int().min(1).optional().openapi({ description: "Attempts in all; default: the task's retry.maxAttempts." }),
  })
  .openapi('EnqueueOptions');

export const EnqueueRequestSchema = z
  .strictObject({
    task: z.string().min(1).max(128).openapi({ description: 'Name of a task the server knows', example: 'email.send' }),
    input: z.unknown().openapi({ description: "Validated against the task's own input schema", example: { to: 'a@example.com' } }),
    options: EnqueueOptionsSchema.optional(),
  })
  .openapi('EnqueueRequest');

export const BulkEnqueueRequestSchema = z.array(EnqueueRequestSchema).min(1).max(MAX_BULK_JOBS).openapi('BulkEnqueueRequest');

export const EnqueueResultSchema = z
  .object({
    job: JobSchema,
    duplicate: z.boolean().openapi({ description: 'True when an unfinished job with the same dedup key was returned instead of a new one' }),
  })
  .openapi('EnqueueResult');

export const BulkEnqueueResultSchema = z.object({ results: z.array(EnqueueResultSchema) }).openapi('BulkEnqueueResult');

export const JobIdParamsSchema = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: '42' }),
});

const stateList = z
  .string()
  .transform((value, ctx): JobState[] => {
    const states = value.split(',').map((state) => state.trim());
    for (const state of states) {
      if (!(JOB_STATES as readonly string[]).includes(state)) {
        ctx.addIssue({ code: 'custom', message: `unknown state ${JSON.stringify(state.slice(0, 40))}; states are ${JOB_STATES.join(', ')}` });
        return z.NEVER;
      }
    }
    return [...new Set(states as JobState[])];
  })
  .openapi({ param: { name: 'state', in: 'query' }, description: `Comma-separated states: ${JOB_STATES.join(', ')}`, example: 'failed,dead', type: 'string' });

export const ListJobsQuerySchema = z.object({
  state: stateList.optional(),
  task: z.string().min(1).max(128).optional().openapi({ param: { name: 'task', in: 'query' }, example: 'email.send' }),
  queue: z.string().min(1).max(128).optional().openapi({ param: { name: 'queue', in: 'query' }, example: 'default' }),
  cursor: z
    .string()
    .refine((cursor) => parseJobId(cursor) !== null, 'is not a cursor this server gave; pass back nextCursor unchanged')
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'nextCursor of the previous page' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' }, description: `Jobs per page, 1–${MAX_PAGE_SIZE}; default 50`, example: 50, type: 'integer' }),
});

export const JobListSchema = z
  .object({
    jobs: z.array(JobSchema),
    nextCursor: z.string().nullable().openapi({ description: 'Pass back as cursor for the next page; null on the last page' }),
  })
  .openapi('JobList');

export const JobResponseSchema = z.object({ job: JobSchema }).openapi('JobResponse');
