/**
 * The schedules page (GET) and its buttons (POST forms): pause, resume, run now. Like every dashboard
 * action, each leaves a notice and redirects (303).
 *
 * "Run now" enqueues the schedule's task with the schedule's input into the schedule's queue, as a
 * tick would, and does not move the next tick (a schedule's ticks are its own: a manual run is extra).
 * Its dedup key is `schedule:<name>:run-now:<second>`, so a double click (or a form resent within the
 * same second) enqueues one job, not two, while a click a second later is another run; it never
 * collides with a tick's key (`schedule:<name>:<tick>`). It then opens the new job's page.
 */
import { Hono } from 'hono';
import { ConveyorNotFoundError } from '../errors.js';
import type { ServerDeps } from '../server/deps.js';
import { act } from './action-routes.js';
import { respondWithPage } from './layout.js';
import { schedulesPage } from './pages/schedules.js';
import { jobPagePath, SCHEDULES_PAGE_PATH } from './paths.js';

/** The dedup key of a "Run now" at `now`: one per schedule per second. */
export function runNowDedupKey(name: string, now: Date): string {
  return `schedule:${name}:run-now:${now.toISOString().slice(0, 19)}Z`;
}

export function scheduleRoutes({ conveyor }: ServerDeps): Hono {
  const app = new Hono();

  app.get(SCHEDULES_PAGE_PATH, async (c) => respondWithPage(c, schedulesPage({ schedules: await conveyor.schedules.list(), now: new Date() })));

  app.post(`${SCHEDULES_PAGE_PATH}/:name/:action{pause|resume}`, async (c) => {
    const name = c.req.param('name');
    const pause = c.req.param('action') === 'pause';
    return act(c, SCHEDULES_PAGE_PATH, async () => {
      if (pause) {
        await conveyor.schedules.pause(name);
        return `Paused schedule "${name}": no tick fires until you resume it.`;
      }
      const schedule = await conveyor.schedules.resume(name);
      return `Resumed schedule "${name}": it fires next at ${schedule.nextRunAt.toISOString()}; ticks passed while paused are not enqueued.`;
    });
  });

  app.post(`${SCHEDULES_PAGE_PATH}/:name/run`, async (c) => {
    const name = c.req.param('name');
    let back = SCHEDULES_PAGE_PATH;
    const response = await act(c, SCHEDULES_PAGE_PATH, async () => {
      const schedule = (await conveyor.schedules.list()).find((candidate) => candidate.name === name);
      if (schedule === undefined) throw new ConveyorNotFoundError(`No schedule named "${name}"; it may have been removed.`);
      const now = new Date();
      const { job, duplicate } = await conveyor.enqueue(schedule.task, schedule.input, { dedupKey: runNowDedupKey(name, now) });
      back = jobPagePath(job.id);
      return duplicate ? `Schedule "${name}" was run this second already: this is its job #${job.id}.` : `Ran schedule "${name}" now: job #${job.id} is ${job.state}. Its next tick is unchanged.`;
    });
    return back === SCHEDULES_PAGE_PATH ? response : c.redirect(back, 303);
  });

  return app;
}
