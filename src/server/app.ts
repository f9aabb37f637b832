/**
 * The HTTP API as one Hono app: bearer-token auth on every route but `/health` and signed artifact
 * links (`/artifacts/…`, whose signature is their credential), a body size limit,
 * one error shape for every failure, and the OpenAPI 3.1 document at `/openapi.json`. Listening is
 * separate (`listen.ts`), so tests and embedders can call `app.request()` or mount it elsewhere.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { bearerAuth, tokenCheck, type PathAccess } from './auth.js';
import { FailedAuthThrottle } from './auth-throttle.js';
import { DEFAULT_AUTH_FAILURE_LIMIT, DEFAULT_ENQUEUE_RATE_LIMIT, type RateLimit } from './config.js';
import type { MountedRoutes, MountedServerDeps, RouteModule, ServerDeps } from './deps.js';
import { SessionAuthority } from './sessions.js';
import { errorResponse, respondToError } from './errors.js';
import { enqueueRateLimit } from './rate-limit.js';
import { apiResponseHeaders } from './response-headers.js';
import { artifactRoutes } from './routes/artifacts.js';
import { eventRoutes, type EventRouteOptions } from './routes/events.js';
import { failureRoutes } from './routes/failures.js';
import { jobRoutes } from './routes/jobs.js';
import { queueRoutes } from './routes/queues.js';
import { sendEventRoutes } from './routes/send-event.js';
import { workerRoutes } from './routes/workers.js';

/** @default 1 MiB: far above any sane job input, far below what could exhaust memory. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export interface ServerAppOptions {
  deps: ServerDeps;
  /** Bearer tokens accepted (see `parseApiTokens`); at least one. */
  tokens: string[];
  /** Largest request body accepted; larger ones get 413. @default 1 MiB */
  bodyLimitBytes?: number;
  /**
   * Jobs each token may enqueue per interval, over `POST /jobs` and `POST /jobs/bulk` (a bulk
   * request counts its items), and events it may send (`POST /events/{name}`, one each); over it,
   * 429 with `Retry-After`. `null` turns the limit off.
   * @default { limit: 1000, intervalMs: 1000 }
   */
  enqueueRateLimit?: RateLimit | null;
  /**
   * Failed authentications (wrong bearer tokens, failed dashboard logins) each client address may
   * make per interval; over it, 429 with `Retry-After` for any token from that address until the
   * budget refills (see `auth-throttle.ts`). `null` turns it off.
   * @default { limit: 10, intervalMs: 60_000 }
   */
  authFailureLimit?: RateLimit | null;
  /** How `GET /events` streams read the store's event log. */
  events?: EventRouteOptions;
  /**
   * More route modules mounted at the root, behind the same auth and error handling (health, metrics,
   * the dashboard…). Each gets `deps` plus `isKnownToken`, the check of `tokens`, and may tell the
   * auth middleware which of its paths are public and which redirect to a login form (`MountedRoutes`).
   */
  extraRoutes?: RouteModule[];
}

const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Conveyor HTTP API',
    version: '1',
    description:
      'Enqueue and follow durable background jobs, and download the files they wrote. Every route but /health and signed artifact links (/artifacts/…) needs `Authorization: Bearer <token>`. ' +
      'After too many wrong tokens from one client address (default 10 a minute), any bearer token from it gets 429 `too_many_failed_attempts` with Retry-After.',
  },
} as const;

/**
 * Build the server's app.
 *
 * @example
 * const app = createServerApp({ deps: { conveyor, logger }, tokens: parseApiTokens(process.env.CONVEYOR_API_TOKENS) });
 * const server = await startServer({ app, port: 8080, host: '127.0.0.1' });
 */
export function createServerApp(options: ServerAppOptions): OpenAPIHono {
  const { deps } = options;
  // Built once: the API's auth and the dashboard's login form accept exactly the same tokens.
  const isKnownToken = tokenCheck(options.tokens);
  const sessions = new SessionAuthority(deps.conveyor.loginSessions, options.tokens);
  const failedAuth = new FailedAuthThrottle(options.authFailureLimit === undefined ? DEFAULT_AUTH_FAILURE_LIMIT : options.authFailureLimit);
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  // From the same list as the middleware's, so a login form cannot accept a token the API refuses.
  const mountedDeps: MountedServerDeps = { ...deps, isKnownToken, sessions, failedAuth };
  // Built before the middleware, which needs to know what their paths are.
  const mounted = (options.extraRoutes ?? []).map((makeRoutes) => makeRoutes(mountedDeps));
  const app = new OpenAPIHono();
  app.onError((error, c) => respondToError(c, error, deps.logger));
  app.notFound((c) => errorResponse(c, 404, 'not_found', `No route ${c.req.method} ${c.req.path}`));
  // First, so refusals (401, 413, 429) and errors get the headers too.
  app.use('*', apiResponseHeaders);
  app.use('*', closeWhenBodyUnread);
  // Auth first: a caller without a token costs no body reading.
  app.use('*', bearerAuth(isKnownToken, sessions, failedAuth, pathAccessOf(mounted)));
  app.use(
    '*',
    bodyLimit({
      maxSize: limit,
      onError: (c) => errorResponse(c, 413, 'payload_too_large', `The request body is over the limit of ${limit} bytes.`),
    }),
  );
  const rateLimit = options.enqueueRateLimit === undefined ? DEFAULT_ENQUEUE_RATE_LIMIT : options.enqueueRateLimit;
  if (rateLimit !== null) {
    // One limiter for both paths, so single and bulk enqueues draw on the same budget.
    const limitEnqueues = enqueueRateLimit(rateLimit);
    app.use('/jobs', limitEnqueues);
    app.use('/jobs/bulk', limitEnqueues);
    app.use('/events/:name', limitEnqueues);
  }
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer' });
  app.route('/', jobRoutes(deps));
  app.route('/', queueRoutes(deps));
  app.route('/', workerRoutes(deps));
  app.route('/', failureRoutes(deps));
  app.route('/', eventRoutes(deps, options.events));
  app.route('/', sendEventRoutes(deps));
  app.route('/', artifactRoutes(deps, failedAuth));
  for (const mount of mounted) {
    const routes = withPathAccess(mount) ? mount.app : mount;
    // Two calls for the type checker's sake: `route` takes either, but not the union.
    if (routes instanceof OpenAPIHono) app.route('/', routes);
    else app.route('/', routes);
  }
  app.doc31('/openapi.json', OPENAPI_INFO);
  return app;
}

/** Whether a module returned `{ app, … }` rather than its app alone (any Hono app has `fetch`, even one from another copy of hono). */
function withPathAccess(mount: MountedRoutes): mount is Exclude<MountedRoutes, OpenAPIHono | Hono> {
  return !('fetch' in mount);
}

/** What the mounted modules say about their paths, together: public if one says so; the first login form that claims a path. */
function pathAccessOf(mounted: MountedRoutes[]): PathAccess {
  const declared = mounted.filter(withPathAccess);
  return {
    isPublic: (path) => declared.some((mount) => mount.isPublic?.(path) === true),
    loginRedirect: (path, pathWithQuery) => {
      for (const mount of declared) {
        const loginPath = mount.loginRedirect?.(path, pathWithQuery) ?? null;
        if (loginPath !== null) return loginPath;
      }
      return null;
    },
  };
}

/**
 * A request refused before its body was read (401, 413, 415…) leaves the rest of the upload on the
 * socket, and the Node adapter destroys it after responding: `Connection: close` tells the client
 * not to send its next request on that connection.
 */
const closeWhenBodyUnread: MiddlewareHandler = async (c, next) => {
  await next();
  const hasBody = c.req.header('content-length') !== undefined ? c.req.header('content-length') !== '0' : c.req.header('transfer-encoding') !== undefined;
  if (hasBody && !c.req.raw.bodyUsed) c.header('Connection', 'close');
};
