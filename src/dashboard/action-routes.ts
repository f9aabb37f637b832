/**
 * What the dashboard's buttons do (POST forms): run now, retry or cancel a job, pause or resume a queue, retry
 * a failure group, make a signed link to an artifact. Each calls the Conveyor client API, leaves a notice saying what happened (or why
 * it could not), and redirects (303) to the page the button was on. Cross-site posts never get
 * here: the auth middleware refuses a cookie-authenticated POST that is not same-origin.
 */
import { Hono, type Context } from 'hono';
import { ConveyorConfigError, ConveyorNotFoundError, ConveyorStateError } from '../errors.js';
import { isFingerprint } from '../store/error-fingerprint.js';
import type { ServerDeps } from '../server/deps.js';
import { setFlash, type Flash } from './cookies.js';
import { plural, truncate } from './format.js';
import { DASHBOARD_PREFIX, FAILURES_PAGE_PATH, jobPagePath, JOBS_PAGE_PATH, OVERVIEW_PATH, queuePagePath } from './paths.js';

/** How long a link made by the job page's "Copy link" works. */
export const SIGNED_LINK_EXPIRES_IN_MS = 24 * 3_600_000;

export function actionRoutes({ conveyor }: ServerDeps): Hono {
  const app = new Hono();

  app.post(`${JOBS_PAGE_PATH}/:id/retry`, async (c) => {
    const id = c.req.param('id');
    return act(c, jobPagePath(id), async () => {
      const job = await conveyor.retry(id);
      return `Job #${job.id} is queued again (attempt ${job.attempt + 1} of ${job.maxAttempts} next).`;
    });
  });

  app.post(`${JOBS_PAGE_PATH}/:id/run-now`, async (c) => {
    const id = c.req.param('id');
    return act(c, jobPagePath(id), async () => {
      const job = await conveyor.runNow(id);
      return `Job #${job.id} is queued to run now (attempt ${job.attempt + 1} of ${job.maxAttempts} next).`;
    });
  });

  app.post(`${JOBS_PAGE_PATH}/:id/cancel`, async (c) => {
    const id = c.req.param('id');
    return act(c, jobPagePath(id), async () => {
      const job = await conveyor.cancel(id);
      if (job.state === 'running') return `Asked the worker running job #${job.id} to stop; it is cancelled once the handler returns.`;
      return job.state === 'cancelled' ? `Job #${job.id} is cancelled.` : `Job #${job.id} had already finished (${job.state}); nothing changed.`;
    });
  });

  app.post(`${JOBS_PAGE_PATH}/:id/artifacts/:name/link`, async (c) => {
    const id = c.req.param('id');
    const name = c.req.param('name');
    return act(c, jobPagePath(id), async () => {
      // Made on request rather than on every render: a link is a credential, and the page refreshes live.
      const link = await conveyor.artifacts.url(id, name, { expiresInMs: SIGNED_LINK_EXPIRES_IN_MS });
      return { kind: 'ok', text: `A link to ${JSON.stringify(name)} that anyone holding it can download for 24 hours (from the job's latest attempt that wrote it):`, link };
    });
  });

  app.post(`${DASHBOARD_PREFIX}/queues/:name/:action{pause|resume}`, async (c) => {
    const name = c.req.param('name');
    const pause = c.req.param('action') === 'pause';
    // The queue's own page sends `?back=queue` to come back to it.
    return act(c, c.req.query('back') === 'queue' ? queuePagePath(name) : OVERVIEW_PATH, async () => {
      if (pause) {
        await conveyor.pauseQueue(name);
        return `Paused queue "${name}": no worker starts its jobs until you resume it. Running jobs finish, and enqueues go on.`;
      }
      await conveyor.resumeQueue(name);
      return `Resumed queue "${name}".`;
    });
  });

  app.post(`${FAILURES_PAGE_PATH}/:fingerprint/retry`, async (c) => {
    const fingerprint = c.req.param('fingerprint');
    return act(c, FAILURES_PAGE_PATH, async () => {
      if (!isFingerprint(fingerprint)) throw new ConveyorNotFoundError(`"${truncate(fingerprint, 40)}" is not a failure group fingerprint`);
      const result = await conveyor.insights.retryFailureGroup(fingerprint);
      if (result.matched === 0) throw new ConveyorNotFoundError('No failed or dead job is left in that group: it was retried already, or its jobs were pruned.');
      const done = `Queued ${plural(result.retried.length, 'job')} of the group again.`;
      const first = result.failed[0];
      if (first === undefined) return done;
      return { kind: 'error', text: `${done} ${plural(result.failed.length, 'job')} could not be retried, e.g. #${first.id}: ${first.error.message}` };
    });
  });

  return app;
}

/**
 * Run an action and redirect to `back` with its notice (a string is a success). The errors a user can cause (a job that is
 * gone, or in a state the action does not apply to, a bad queue name) become the notice; anything
 * else goes to the error page.
 */
export async function act(c: Context, back: string, action: () => Promise<string | Flash>): Promise<Response> {
  try {
    const outcome = await action();
    setFlash(c, typeof outcome === 'string' ? { kind: 'ok', text: outcome } : outcome);
  } catch (error) {
    if (!(error instanceof ConveyorStateError || error instanceof ConveyorNotFoundError || error instanceof ConveyorConfigError)) throw error;
    setFlash(c, { kind: 'error', text: error.message });
  }
  return c.redirect(back, 303);
}
