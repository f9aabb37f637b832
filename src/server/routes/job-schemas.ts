/** Request and response schemas of the job routes; they also make the OpenAPI document. */
import { z } from '@hono/zod-openapi';
import { isStorableTime } from '../../store/encoding.js';
import { parseJobId } from '../../store/encoding.js';
import { MAX_SEARCH_LENGTH } from '../../insights/job-search.js';
import { JOB_STATES, RETRYABLE_STATES, type JobState } from '../../job.js';
import { ArtifactSchema } from '../artifact-dto.js';
import { JobSchema } from '../job-dto.js';
import { StepSchema } from '../step-dto.js';

/** Most jobs one bulk request may enqueue, and most one page may list. */
export const MAX_BULK_JOBS = 1000;
export const MAX_PAGE_SIZE = 1000;

/**
 * An ISO 8601 time with its offset, in the years 1 to 9999 UTC: the PostgreSQL driver cannot send
 * others, and both stores must answer alike (400 naming the field, not a 500 on one of them).
 */
function isoTime() {
  // A value that is no time at all is the format check's to report, once.
  return z.iso.datetime({ offset: true }).refine((value) => Number.isNaN(Date.parse(value)) || isStorableTime(Date.parse(value)), 'must be a time in the years 0001 to 9999 (UTC), e.g. 2030-01-01T09:00:00Z');
}

/**
 * A filter text: PostgreSQL cannot hold NUL (\u0000) in text, so no job has one and no filter may;
 * refusing it here makes both stores answer alike.
 */
function filterText(max: number) {
  return z.string().min(1).max(max).refine((value) => !value.includes('\u0000'), 'must not contain the NUL character (\\u0000)');
}

export const EnqueueOptionsSchema = z
  .strictObject({
    delayMs: z.number().int().min(0).optional().openapi({ description: 'Run no sooner than this many milliseconds from now. Not with runAt.', example: 60_000 }),
    runAt: isoTime().optional().openapi({ description: 'Run no sooner than this time. Not with delayMs.', example: '2030-01-01T09:00:00Z' }),
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

/** The search fields `GET /jobs` takes in its query and `POST /jobs/retry` in its body. */
const createdAfter = isoTime().openapi({ description: 'Only jobs created at or after this time (inclusive)', example: '2026-01-01T00:00:00Z' });
const createdBefore = isoTime().openapi({ description: 'Only jobs created before this time (exclusive)', example: '2026-01-02T00:00:00Z' });
const searchText = filterText(MAX_SEARCH_LENGTH).openapi({
    description: `Text the job's input JSON or one of its error messages contains, in any case (1–${MAX_SEARCH_LENGTH} characters). Scans jobs newest first, with no index: narrow it with the other filters.`,
    example: 'timeout',
  });

export const ListJobsQuerySchema = z.object({
  state: stateList.optional(),
  task: filterText(128).optional().openapi({ param: { name: 'task', in: 'query' }, example: 'email.send' }),
  queue: filterText(128).optional().openapi({ param: { name: 'queue', in: 'query' }, example: 'default' }),
  createdAfter: createdAfter.optional().openapi({ param: { name: 'createdAfter', in: 'query' } }),
  createdBefore: createdBefore.optional().openapi({ param: { name: 'createdBefore', in: 'query' } }),
  q: searchText.optional().openapi({ param: { name: 'q', in: 'query' } }),
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

export const JobResponseSchema = z.object({ job: JobSchema }).openapi('JobResponse');

/** `GET /jobs/{id}`: the job, the files its attempts wrote and its durable steps (the other routes answer with the job alone). */
export const JobDetailResponseSchema = z
  .object({
    job: JobSchema.extend({
      artifacts: z.array(ArtifactSchema).openapi({ description: 'The files its attempts wrote, by attempt then name (as GET /jobs/{id}/artifacts)' }),
      steps: z.array(StepSchema).openapi({ description: 'Its durable steps (ctx.step, sleeps, waits) in the order they started; empty for a job without' }),
    }).openapi('JobDetail'),
  })
  .openapi('JobDetailResponse');

/** Most jobs one `POST /jobs/retry` may retry. */
export const MAX_RETRY_BATCH = 1000;

export const RetryByFilterRequestSchema = z
  .strictObject({
    states: z
      .array(z.enum(RETRYABLE_STATES))
      .min(1)
      .default(['dead'])
      .openapi({ description: `Retry jobs in these states: ${RETRYABLE_STATES.join(', ')}`, example: ['dead'] }),
    task: filterText(128).optional().openapi({ example: 'email.send' }),
    queue: filterText(128).optional().openapi({ example: 'mail' }),
    createdAfter: createdAfter.optional(),
    createdBefore: createdBefore.optional(),
    q: searchText.optional(),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_RETRY_BATCH)
      .default(100)
      .openapi({ description: `Retry at most this many matching jobs, newest first (1–${MAX_RETRY_BATCH})`, example: 100 }),
  })
  .openapi('RetryByFilterRequest');

export const RetryByFilterResultSchema = z
  .object({
    retried: z.array(z.string()).openapi({ description: 'Ids of the jobs queued again, newest first' }),
    failed: z
      .array(
        z.object({
          id: z.string(),
          error: z.object({ code: z.string().openapi({ example: 'conflict' }), message: z.string() }),
        }),
      )
      .openapi({ description: 'Jobs that matched but could not be retried (e.g. their dedup key is held by an unfinished job), and why' }),
  })
  .openapi('RetryByFilterResult');
