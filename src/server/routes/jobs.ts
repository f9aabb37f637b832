/**
 * The job routes: enqueue one or many, get (with its artifacts and steps), list, cancel, retry, run now. Tasks are resolved by name through
 * the Conveyor's task registry and input is validated by `conveyor.enqueue` against the task's own
 * schema, so a request the library would refuse writes nothing here either (F5).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { EnqueueOptions } from '../../client/enqueue.js';
import { listJobsUpTo, retryEach } from '../../client/job-batches.js';
import { ConveyorNotFoundError, ConveyorValidationError } from '../../errors.js';
import type { JobListFilter } from '../../store/store.js';
import type { ServerDeps } from '../deps.js';
import { errorResponses, HttpError } from '../errors.js';
import { toArtifactDto } from '../artifact-dto.js';
import { toJobDto } from '../job-dto.js';
import { toStepDto } from '../step-dto.js';
import { JobSummaryListSchema, LIST_ERROR_MESSAGE_CHARS, LIST_PREVIEW_CHARS, ListIncludeParamSchema, summaryToDto, toJobSummaryDto } from '../job-summary.js';
import { json, security } from '../openapi-helpers.js';
import { createRouteApp } from '../route-app.js';
import {
  BulkEnqueueRequestSchema,
  BulkEnqueueResultSchema,
  EnqueueRequestSchema,
  EnqueueResultSchema,
  JobDetailResponseSchema,
  JobIdParamsSchema,
  JobResponseSchema,
  ListJobsQuerySchema,
  RetryByFilterRequestSchema,
  RetryByFilterResultSchema,
} from './job-schemas.js';

const enqueueRoute = createRoute({
  method: 'post',
  path: '/jobs',
  tags: ['jobs'],
  summary: 'Enqueue a job',
  security,
  request: { body: { required: true, ...json(EnqueueRequestSchema, 'The task name, its input and job options') } },
  responses: { 201: json(EnqueueResultSchema, 'The job stored, or the unfinished job holding the same dedup key'), ...errorResponses(400, 401, 413, 415, 429) },
});

const bulkEnqueueRoute = createRoute({
  method: 'post',
  path: '/jobs/bulk',
  tags: ['jobs'],
  summary: 'Enqueue several jobs: all are stored, or none',
  security,
  request: { body: { required: true, ...json(BulkEnqueueRequestSchema, 'Up to 1000 jobs') } },
  responses: { 201: json(BulkEnqueueResultSchema, 'One result per job, in request order'), ...errorResponses(400, 401, 413, 415, 429) },
});

const getJobRoute = createRoute({
  method: 'get',
  path: '/jobs/{id}',
  tags: ['jobs'],
  summary: 'Get a job: state, progress, result, errors, timestamps, artifacts, durable steps',
  security,
  request: { params: JobIdParamsSchema },
  responses: { 200: json(JobDetailResponseSchema, 'The job with its artifacts and steps'), ...errorResponses(400, 401, 404) },
});

const listJobsRoute = createRoute({
  method: 'get',
  path: '/jobs',
  tags: ['jobs'],
  summary: 'List jobs, newest first, by state, task, queue, creation time and text in the input or error messages',
  description: 'Each job comes with previews of its input, result and last error; `include` adds the whole fields. `GET /jobs/{id}` always has everything.',
  security,
  request: { query: ListJobsQuerySchema.extend({ include: ListIncludeParamSchema.optional() }) },
  responses: { 200: json(JobSummaryListSchema, 'A page of jobs'), ...errorResponses(400, 401) },
});

const cancelJobRoute = createRoute({
  method: 'post',
  path: '/jobs/{id}/cancel',
  tags: ['jobs'],
  summary: 'Cancel a job (a running one is asked to stop; a finished one is returned unchanged)',
  security,
  request: { params: JobIdParamsSchema },
  responses: { 200: json(JobResponseSchema, 'The job after the cancel'), ...errorResponses(400, 401, 404) },
});

const retryJobRoute = createRoute({
  method: 'post',
  path: '/jobs/{id}/retry',
  tags: ['jobs'],
  summary: 'Queue a failed, dead, cancelled or succeeded job again, now',
  security,
  request: { params: JobIdParamsSchema },
  responses: { 200: json(JobResponseSchema, 'The job, queued again'), ...errorResponses(400, 401, 404, 409) },
});

const runNowRoute = createRoute({
  method: 'post',
  path: '/jobs/{id}/run-now',
  tags: ['jobs'],
  summary: 'Queue now a scheduled job, or a failed one waiting out its retry backoff',
  security,
  request: { params: JobIdParamsSchema },
  responses: { 200: json(JobResponseSchema, 'The job, queued with its run time now'), ...errorResponses(400, 401, 404, 409) },
});

const retryByFilterRoute = createRoute({
  method: 'post',
  path: '/jobs/retry',
  tags: ['jobs'],
  summary: 'Queue again every job matching a filter (by default the 100 newest dead jobs)',
  security,
  request: { body: { required: true, ...json(RetryByFilterRequestSchema, 'Which jobs to retry; {} retries dead jobs') } },
  responses: { 200: json(RetryByFilterResultSchema, 'The jobs retried, and those that could not be, with why'), ...errorResponses(400, 401, 413, 415) },
});

type EnqueueRequest = { task: string; input?: unknown; options?: { delayMs?: number; runAt?: string; priority?: number; dedupKey?: string; maxAttempts?: number } };

export function jobRoutes({ conveyor, onEnqueued }: ServerDeps): OpenAPIHono {
  const app = createRouteApp();

  app.openapi(enqueueRoute, async (c) => {
    const body = c.req.valid('json');
    const result = await asRequestErrors(() => conveyor.enqueue(body.task, body.input, toEnqueueOptions(body.options)), 'task', (path) => prefixPath('input', path));
    onEnqueued?.([result]);
    return c.json({ job: toJobDto(result.job), duplicate: result.duplicate }, 201);
  });

  app.openapi(bulkEnqueueRoute, async (c) => {
    const items = c.req.valid('json').map((item: EnqueueRequest) => ({ task: item.task, input: item.input, options: toEnqueueOptions(item.options) }));
    const results = await asRequestErrors(() => conveyor.enqueueMany(items), undefined, (path) => bulkItemPath(items.length, path));
    onEnqueued?.(results);
    return c.json({ results: results.map((result) => ({ job: toJobDto(result.job), duplicate: result.duplicate })) }, 201);
  });

  app.openapi(getJobRoute, async (c) => {
    const { id } = c.req.valid('param');
    const [job, artifacts, steps] = await Promise.all([conveyor.getJob(id), conveyor.artifacts.list(id), conveyor.listSteps(id)]);
    if (job === null) throw new HttpError(404, 'not_found', `No job with id "${id}"`);
    return c.json({ job: { ...toJobDto(job), artifacts: artifacts.map(toArtifactDto), steps: steps.map(toStepDto) } }, 200);
  });

  app.openapi(listJobsRoute, async (c) => {
    const query = c.req.valid('query');
    const filter = toListFilter({ ...query, states: query.state });
    const pageParams = { cursor: query.cursor ?? null, limit: query.limit };
    if (query.include === undefined || query.include.length === 0) {
      // The store cuts the large fields, so a page costs the same however large its jobs are.
      const page = await conveyor.listJobSummaries(filter, { ...pageParams, previewChars: LIST_PREVIEW_CHARS, messageChars: LIST_ERROR_MESSAGE_CHARS });
      return c.json({ jobs: page.jobs.map(summaryToDto), nextCursor: page.nextCursor }, 200);
    }
    const page = await conveyor.listJobs(filter, pageParams);
    return c.json({ jobs: page.jobs.map((job) => toJobSummaryDto(job, query.include)), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(cancelJobRoute, async (c) => {
    const job = await conveyor.cancel(c.req.valid('param').id);
    return c.json({ job: toJobDto(job) }, 200);
  });

  app.openapi(retryJobRoute, async (c) => {
    const job = await conveyor.retry(c.req.valid('param').id);
    return c.json({ job: toJobDto(job) }, 200);
  });

  app.openapi(runNowRoute, async (c) => {
    const job = await conveyor.runNow(c.req.valid('param').id);
    return c.json({ job: toJobDto(job) }, 200);
  });

  app.openapi(retryByFilterRoute, async (c) => {
    const body = c.req.valid('json');
    const { jobs } = await listJobsUpTo(conveyor, toListFilter(body), body.limit);
    const { retried, failed } = await retryEach(conveyor, jobs);
    return c.json({ retried, failed }, 200);
  });

  return app;
}

/** The list filter of a query or body whose times are ISO strings and whose text search is `q`. */
function toListFilter(fields: { states?: JobListFilter['states']; task?: string; queue?: string; createdAfter?: string; createdBefore?: string; q?: string }): JobListFilter {
  return {
    states: fields.states,
    task: fields.task,
    queue: fields.queue,
    createdAfter: fields.createdAfter === undefined ? undefined : new Date(fields.createdAfter),
    createdBefore: fields.createdBefore === undefined ? undefined : new Date(fields.createdBefore),
    text: fields.q,
  };
}

function toEnqueueOptions(options: EnqueueRequest['options']): EnqueueOptions {
  if (options === undefined) return {};
  const { runAt, ...rest } = options;
  return runAt === undefined ? rest : { ...rest, runAt: new Date(runAt) };
}

/**
 * Enqueue errors in the request's terms: an unknown task is the caller's mistake (400, not 404: the
 * URL was right, a field of the body was not), and input paths start from the body, not the input.
 */
async function asRequestErrors<T>(enqueue: () => Promise<T>, taskPath: string | undefined, toBodyPath: (inputPath: string) => string): Promise<T> {
  try {
    return await enqueue();
  } catch (error) {
    // On an enqueue the one thing that can be missing is the task: jobs are not looked up.
    if (error instanceof ConveyorNotFoundError) {
      throw new HttpError(400, 'unknown_task', error.message, taskPath === undefined ? undefined : [{ path: taskPath, message: 'is not a task this server knows' }]);
    }
    if (error instanceof ConveyorValidationError) {
      throw new HttpError(400, 'invalid_input', error.message, error.issues.map((issue) => ({ path: toBodyPath(issue.path), message: issue.message })));
    }
    throw error;
  }
}

function prefixPath(prefix: string, path: string): string {
  return path === '' ? prefix : `${prefix}.${path}`;
}

/** `enqueueMany` names a bad item `[3].to` when there are several, and leaves the path alone when there is one. */
function bulkItemPath(count: number, path: string): string {
  if (count === 1) return prefixPath('0.input', path);
  const match = /^\[(\d+)\](?:\.(.*))?$/.exec(path);
  if (match === null) return path;
  return prefixPath(`${match[1]}.input`, match[2] ?? '');
}
