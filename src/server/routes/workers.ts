/** The worker routes: every registered worker, live or stalled, and the orphan report (F1). */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ServerDeps } from '../deps.js';
import { errorResponses } from '../errors.js';
import { json, security } from '../openapi-helpers.js';
import { createRouteApp } from '../route-app.js';
import { OrphanReportSchema, toOrphanReportDto, toWorkerDto, WorkerSchema } from '../worker-dto.js';

const WorkerListSchema = z.object({ workers: z.array(WorkerSchema) }).openapi('WorkerList');

const listWorkersRoute = createRoute({
  method: 'get',
  path: '/workers',
  tags: ['workers'],
  summary: 'Every registered worker, live or stalled, with the queues and tasks it serves',
  security,
  responses: { 200: json(WorkerListSchema, 'Every registered worker'), ...errorResponses(401) },
});

const orphansRoute = createRoute({
  method: 'get',
  path: '/orphans',
  tags: ['workers'],
  summary: 'Queued jobs no live worker serves, and workers whose heartbeat stopped (F1)',
  security,
  responses: { 200: json(OrphanReportSchema, 'The orphan report'), ...errorResponses(401) },
});

export function workerRoutes({ conveyor }: ServerDeps): OpenAPIHono {
  const app = createRouteApp();

  app.openapi(listWorkersRoute, async (c) => {
    const workers = await conveyor.listWorkers();
    return c.json({ workers: workers.map(toWorkerDto) }, 200);
  });

  app.openapi(orphansRoute, async (c) => c.json(toOrphanReportDto(await conveyor.orphans()), 200));

  return app;
}
