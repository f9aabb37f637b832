/**
 * Liveness and readiness (F7). `/health` answers while the process runs and touches nothing else, so
 * an orchestrator restarts only a process that is truly stuck. `/ready` asks whether jobs enqueued now
 * will run: the store answers, its schema is the one this package expects, some worker is heartbeating,
 * no queued job waits for a queue or task no live worker serves, and no worker has gone silent. The
 * checks are `conveyor.insights.readiness()` (`src/insights/readiness.ts`); this module serves them.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import { DEFAULT_READINESS_STORE_TIMEOUT_MS, READINESS_CHECK_NAMES } from '../insights/readiness.js';
import type { ServerDeps } from './deps.js';

export interface HealthRoutesOptions {
  /** How long `/ready` waits for each store call before it reports the store unreachable. @default 2000 */
  storeTimeoutMs?: number;
}

const ReadinessCheckSchema = z
  .object({
    name: z.enum(READINESS_CHECK_NAMES).openapi({ description: 'Which condition was checked.' }),
    ok: z.boolean(),
    detail: z.string().openapi({ description: 'What was found, and on failure what is wrong.' }),
  })
  .openapi('ReadinessCheck');

const ReadinessSchema = z
  .object({
    ready: z.boolean().openapi({ description: 'True when every check is ok.' }),
    checks: z.array(ReadinessCheckSchema),
  })
  .openapi('Readiness');

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness: 200 while the process runs',
  responses: { 200: { description: 'The process is alive.', content: { 'application/json': { schema: HealthSchema } } } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  summary: 'Readiness: whether jobs enqueued now will run',
  responses: {
    200: { description: 'Every check passed.', content: { 'application/json': { schema: ReadinessSchema } } },
    503: { description: 'At least one check failed; each check says why.', content: { 'application/json': { schema: ReadinessSchema } } },
  },
});

/**
 * `GET /health` and `GET /ready`, as an `OpenAPIHono` app (a `Hono` whose routes join the OpenAPI
 * document of the app that mounts it).
 *
 * @example
 * app.route('/', healthRoutes(deps));
 */
export function healthRoutes(deps: ServerDeps, options: HealthRoutesOptions = {}): OpenAPIHono<BlankEnv> {
  const storeTimeoutMs = options.storeTimeoutMs ?? DEFAULT_READINESS_STORE_TIMEOUT_MS;
  const app = new OpenAPIHono<BlankEnv>();
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyRoute, async (c) => {
    const readiness = await deps.conveyor.insights.readiness({ storeTimeoutMs });
    if (readiness.ready) return c.json(readiness, 200);
    deps.logger.warn({ failed: readiness.checks.filter((check) => !check.ok) }, 'not ready');
    return c.json(readiness, 503);
  });
  return app;
}
