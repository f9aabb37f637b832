/**
 * What every part of the HTTP server is built from: one `Conveyor` (its client API and its store) and
 * a logger. Route modules export a function taking `ServerDeps` and returning a Hono app that
 * `createServerApp` mounts, so each can be tested on its own.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { Conveyor } from '../conveyor.js';
import type { EnqueueResult } from '../client/enqueue.js';
import type { Logger } from '../logger.js';
import type { PathAccess, TokenCheck } from './auth.js';
import type { FailedAuthThrottle } from './auth-throttle.js';
import type { SessionAuthority } from './sessions.js';

export interface ServerDeps {
  conveyor: Conveyor;
  logger: Logger;
  /** Told of every enqueue the API committed (e.g. `ConveyorMetrics.recordEnqueued`). */
  onEnqueued?: (results: EnqueueResult[]) => void;
}

/**
 * What `createServerApp` gives the route modules it mounts: the deps it was given, and the check of
 * its own `tokens` (the one its auth middleware applies), so a module that takes a token itself (the
 * dashboard's login form) accepts exactly the tokens the API does.
 */
export interface MountedServerDeps extends ServerDeps {
  isKnownToken: TokenCheck;
  /** The dashboard's login sessions, checked by the same auth middleware. */
  sessions: SessionAuthority;
  /** Failed authentications per client address, shared with the auth middleware (a failed login counts like a wrong bearer token). */
  failedAuth: FailedAuthThrottle;
}

/**
 * What a route module given to `createServerApp({ extraRoutes })` returns: its routes, alone (an API
 * module: every path needs a credential and answers 401 without one), or with what the auth
 * middleware should know about its paths (a module of pages, like the dashboard: its login form and
 * assets are public, and its pages redirect to the login form).
 */
export type MountedRoutes = OpenAPIHono | Hono | ({ app: OpenAPIHono | Hono } & Partial<PathAccess>);

/** A route module for `createServerApp({ extraRoutes })`. */
export type RouteModule = (deps: MountedServerDeps) => MountedRoutes;
