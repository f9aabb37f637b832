/**
 * The failure-group routes: failed and dead jobs grouped by error fingerprint (error type, message
 * with its variable parts replaced, top stack frame), and "retry every job of this group" for after
 * a fix is deployed. The grouping is `conveyor.insights`' (`src/insights/failure-groups.ts`), the same
 * as the dashboard's, over the newest failed and dead jobs up to a cap that the answer reports.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { isFingerprint } from '../../store/error-fingerprint.js';
import { DEFAULT_FAILURE_SCAN_LIMIT } from '../../insights/failure-groups.js';
import type { ServerDeps } from '../deps.js';
import { errorResponses, HttpError } from '../errors.js';
import { isoDate, json, security } from '../openapi-helpers.js';
import { createRouteApp } from '../route-app.js';
import { RetryByFilterResultSchema } from './job-schemas.js';

const FailureGroupSchema = z
  .object({
    fingerprint: z.string().openapi({ description: '16 hex characters naming the group', example: '3f9c0a1b2c3d4e5f' }),
    type: z.string().openapi({ description: 'The error type: the first token of the stack, or Error', example: 'TypeError' }),
    message: z.string().openapi({ description: 'The message with numbers, UUIDs, hex ids and quoted strings replaced by <n>, <uuid>, <hex>, <str>', example: 'Customer "<str>" has no address' }),
    topFrame: z.string().nullable().openapi({ description: 'The top stack frame without line and column', example: 'renderInvoice (/app/src/tasks.ts)' }),
    count: z.number().int(),
    failed: z.number().int().openapi({ description: 'Jobs of the group that will be retried automatically' }),
    dead: z.number().int().openapi({ description: 'Jobs of the group that gave up' }),
    firstSeenAt: isoDate,
    lastSeenAt: isoDate,
    sample: z.object({ jobId: z.string(), task: z.string(), queue: z.string(), message: z.string().openapi({ description: 'The sample job’s error message as recorded' }) }),
    tasks: z.array(z.string()),
    queues: z.array(z.string()),
  })
  .openapi('FailureGroup');

const FailureGroupListSchema = z
  .object({
    groups: z.array(FailureGroupSchema).openapi({ description: 'Biggest group first' }),
    scanned: z.number().int().openapi({ description: 'Failed and dead jobs the groups count' }),
    capped: z.boolean().openapi({ description: 'True when failed or dead jobs are left out: more than the report fingerprints at once failed before the store kept fingerprints; the next reports count them' }),
  })
  .openapi('FailureGroupList');

const FingerprintParamsSchema = z.object({
  fingerprint: z
    .string()
    .refine(isFingerprint, 'is not a fingerprint: 16 lowercase hex characters, as GET /failure-groups gives')
    .openapi({ param: { name: 'fingerprint', in: 'path' }, example: '3f9c0a1b2c3d4e5f' }),
});

const listGroupsRoute = createRoute({
  method: 'get',
  path: '/failure-groups',
  tags: ['failures'],
  summary: `Failed and dead jobs grouped by error fingerprint (over the newest ${DEFAULT_FAILURE_SCAN_LIMIT.toLocaleString('en-US')})`,
  security,
  responses: { 200: json(FailureGroupListSchema, 'The groups, biggest first'), ...errorResponses(401) },
});

const retryGroupRoute = createRoute({
  method: 'post',
  path: '/failure-groups/{fingerprint}/retry',
  tags: ['failures'],
  summary: 'Queue again, now, every failed or dead job whose latest error has this fingerprint',
  security,
  request: { params: FingerprintParamsSchema },
  responses: { 200: json(RetryByFilterResultSchema, 'The jobs retried, and those that could not be, with why'), ...errorResponses(400, 401, 404) },
});

export function failureRoutes({ conveyor }: ServerDeps): OpenAPIHono {
  const app = createRouteApp();

  app.openapi(listGroupsRoute, async (c) => {
    const report = await conveyor.insights.failureGroups();
    const groups = report.groups.map((group) => ({
      fingerprint: group.fingerprint,
      type: group.type,
      message: group.message,
      topFrame: group.topFrame,
      count: group.count,
      failed: group.failed,
      dead: group.dead,
      firstSeenAt: group.firstSeenAt.toISOString(),
      lastSeenAt: group.lastSeenAt.toISOString(),
      sample: { jobId: group.sample.jobId, task: group.sample.task, queue: group.sample.queue, message: group.sample.message },
      tasks: group.tasks,
      queues: group.queues,
    }));
    return c.json({ groups, scanned: report.scanned, capped: report.capped }, 200);
  });

  app.openapi(retryGroupRoute, async (c) => {
    const { fingerprint } = c.req.valid('param');
    const result = await conveyor.insights.retryFailureGroup(fingerprint);
    if (result.matched === 0) {
      throw new HttpError(404, 'not_found', `No failed or dead job has an error with fingerprint ${fingerprint} among the newest ${DEFAULT_FAILURE_SCAN_LIMIT.toLocaleString('en-US')}; list the groups with GET /failure-groups`);
    }
    return c.json({ retried: result.retried, failed: result.failed }, 200);
  });

  return app;
}
