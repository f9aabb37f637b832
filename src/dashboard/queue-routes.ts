/**
 * The queues pages (GET `/dashboard/queues`, `/dashboard/queues/:name`) and the queue page's limits
 * form (POST). A valid form saves all its limits at once and redirects (303) with a notice; an
 * invalid one answers 400 with the page, each error next to its field and the values as typed, and
 * saves nothing. (Pausing and resuming are the overview's actions, in `action-routes.ts`.)
 */
import { Hono } from 'hono';
import type { ServerDeps } from '../server/deps.js';
import { setFlash } from './cookies.js';
import { notFoundPage, respondWithPage } from './layout.js';
import { queuePage } from './pages/queue.js';
import { queuesPage } from './pages/queues.js';
import { QUEUES_PAGE_PATH, queuePagePath } from './paths.js';
import { loadQueuePage } from './queue-data.js';
import { parseLimitForm } from './queue-limits-form.js';

export function queueRoutes({ conveyor }: ServerDeps): Hono {
  const app = new Hono();

  app.get(QUEUES_PAGE_PATH, async (c) => {
    const now = new Date();
    const [queues, throughput] = await Promise.all([conveyor.insights.queueOverviews(now), conveyor.insights.throughput(now)]);
    return respondWithPage(c, queuesPage({ queues, throughput, now }));
  });

  app.get(`${QUEUES_PAGE_PATH}/:name`, async (c) => {
    const name = c.req.param('name');
    const data = await loadQueuePage(conveyor, name);
    if (data === null) return respondWithPage(c, unknownQueue(name));
    return respondWithPage(c, queuePage(data));
  });

  app.post(`${QUEUES_PAGE_PATH}/:name/limits`, async (c) => {
    const name = c.req.param('name');
    const { values, limits, errors } = parseLimitForm(await c.req.parseBody());
    if (limits === null) {
      const data = await loadQueuePage(conveyor, name);
      if (data === null) return respondWithPage(c, unknownQueue(name));
      return respondWithPage(c, queuePage(data, { values, errors }));
    }
    await conveyor.setQueueLimits(name, limits);
    setFlash(c, { kind: 'ok', text: `Saved the limits of queue "${name}"; workers obey them from their next claim.` });
    return c.redirect(queuePagePath(name), 303);
  });

  return app;
}

function unknownQueue(name: string) {
  return notFoundPage('queues', 'No such queue', `No job, worker or setting names the queue "${name.slice(0, 80)}".`);
}
