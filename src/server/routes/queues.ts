/**
 * The queue routes: every queue with its depth by state and its jobs finished in the last minute, and
 * pause/resume. Queue names are checked by `conveyor.pauseQueue`/`resumeQueue` themselves, so a bad
 * name gets the library's own message (400).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ServerDeps } from '../deps.js';
import { errorResponses } from '../errors.js';
import { json, security } from '../openapi-helpers.js';
import { QueueSchema, toQueueDto } from '../queue-dto.js';
import { createRouteApp } from '../route-app.js';

const QueueListSchema = z.object({ queues: z.array(QueueSchema) }).openapi('QueueList');
const QueueResponseSchema = z.object({ queue: QueueSchema }).openapi('QueueResponse');
const QueueNameParamsSchema = z.object({
  name: z.string().openapi({ param: { name: 'name', in: 'path' }, description: 'The queue name', example: 'mail' }),
});

const listQueuesRoute = createRoute({
  method: 'get',
  path: '/queues',
  tags: ['queues'],
  summary: 'Every queue that has jobs or was paused, resumed or limited: depth by state, jobs finished in the last minute, running, pause state, limits',
  security,
  responses: { 200: json(QueueListSchema, 'Every known queue, by name'), ...errorResponses(401) },
});

const pauseQueueRoute = createRoute({
  method: 'post',
  path: '/queues/{name}/pause',
  tags: ['queues'],
  summary: 'Pause a queue: no worker claims its jobs until it is resumed; running jobs finish and enqueues go on',
  security,
  request: { params: QueueNameParamsSchema },
  responses: { 200: json(QueueResponseSchema, 'The queue, paused'), ...errorResponses(400, 401) },
});

const resumeQueueRoute = createRoute({
  method: 'post',
  path: '/queues/{name}/resume',
  tags: ['queues'],
  summary: 'Let workers claim from a paused queue again',
  security,
  request: { params: QueueNameParamsSchema },
  responses: { 200: json(QueueResponseSchema, 'The queue, running'), ...errorResponses(400, 401) },
});

export function queueRoutes({ conveyor }: ServerDeps): OpenAPIHono {
  const app = createRouteApp();

  app.openapi(listQueuesRoute, async (c) => {
    const overviews = await conveyor.insights.queueOverviews();
    return c.json({ queues: overviews.map(toQueueDto) }, 200);
  });

  app.openapi(pauseQueueRoute, async (c) => {
    const state = await conveyor.pauseQueue(c.req.valid('param').name);
    return c.json({ queue: toQueueDto(await conveyor.insights.queueOverview(state)) }, 200);
  });

  app.openapi(resumeQueueRoute, async (c) => {
    const state = await conveyor.resumeQueue(c.req.valid('param').name);
    return c.json({ queue: toQueueDto(await conveyor.insights.queueOverview(state)) }, 200);
  });

  return app;
}
