/**
 * The dashboard as a route module for `createServerApp({ extraRoutes })`: the login form, the pages,
 * their form actions and their assets, all behind the server's own auth middleware (which accepts
 * the session cookie the login form sets). It tells the middleware which of its paths are public (the
 * login form, logging out, the assets) and that its pages redirect to the login form rather than
 * answer 401 (`paths.ts`). The login form checks tokens with the server's own check
 * (`deps.isKnownToken`), so it takes exactly the tokens the API takes.
 *
 * The dashboard is a plug-in of the server: it imports the server's infrastructure (deps, the session
 * cookie, the auth throttle), and the server imports nothing of it.
 *
 * @example
 * const app = createServerApp({ deps, tokens, extraRoutes: [healthRoutes, dashboardRoutes] });
 */
import { Hono, type Context } from 'hono';
import { ConveyorStoreUnavailableError } from '../errors.js';
import type { MountedRoutes, MountedServerDeps, ServerDeps } from '../server/deps.js';
import { actionRoutes } from './action-routes.js';
import { artifactRoutes } from './artifact-routes.js';
import { bulkRoutes } from './bulk-routes.js';
import { enqueueRoutes } from './enqueue-routes.js';
import { assetRoutes } from './assets/asset-routes.js';
import { html } from './html.js';
import { notFoundPage, respondWithPage } from './layout.js';
import { pageRoutes } from './page-routes.js';
import { queueRoutes } from './queue-routes.js';
import { scheduleRoutes } from './schedule-routes.js';
import { DASHBOARD_PREFIX, isDashboardPath, isPublicDashboardPath, LOGIN_PATH, loginPathFor, LOGOUT_PATH, OVERVIEW_PATH } from './paths.js';
import { dashboardSecurityHeaders } from './security-headers.js';
import { sessionRoutes } from './session-routes.js';

export function dashboardRoutes(deps: MountedServerDeps): MountedRoutes {
  const app = new Hono();
  // Middleware of a mounted app applies to the paths it names in the parent: name only the dashboard's.
  for (const path of [OVERVIEW_PATH, LOGIN_PATH, LOGOUT_PATH, DASHBOARD_PREFIX, `${DASHBOARD_PREFIX}/*`]) app.use(path, dashboardSecurityHeaders);
  app.onError((error, c) => errorPage(c, error, deps));
  app.route('/', assetRoutes());
  app.route('/', sessionRoutes(deps.isKnownToken, deps.sessions, deps.failedAuth));
  app.route('/', pageRoutes(deps));
  app.route('/', actionRoutes(deps));
  app.route('/', enqueueRoutes(deps));
  app.route('/', bulkRoutes(deps));
  app.route('/', artifactRoutes(deps));
  app.route('/', scheduleRoutes(deps));
  app.route('/', queueRoutes(deps));
  app.all(`${DASHBOARD_PREFIX}/*`, (c) => respondWithPage(c, notFoundPage('overview', 'Page not found', `The dashboard has no page ${c.req.path}.`)));
  return {
    app,
    isPublic: isPublicDashboardPath,
    loginRedirect: (path, pathWithQuery) => (isDashboardPath(path) ? loginPathFor(pathWithQuery) : null),
  };
}

/** An error no page handled: the store is down, or a bug (logged here, never shown). */
function errorPage(c: Context, error: Error, { logger }: ServerDeps): Response {
  const storeDown = error instanceof ConveyorStoreUnavailableError;
  logger.error({ err: error, method: c.req.method, path: c.req.path }, storeDown ? 'store unavailable while serving a dashboard page' : 'dashboard page failed');
  const message = storeDown ? 'The job store is not reachable; reload this page once it answers.' : 'This page failed; the server logged the details.';
  return respondWithPage(c, {
    title: storeDown ? 'Store unreachable' : 'Error',
    section: 'overview',
    status: storeDown ? 503 : 500,
    live: html`<h1>${storeDown ? 'Store unreachable' : 'Something went wrong'}</h1><div class="warning error">${message}</div>`,
  });
}
