/**
 * Bulk actions on the jobs filter (`bulk-actions.ts`): GET `/dashboard/bulk/{action}?<filter>` is the
 * confirm page with the exact count; each POST to it runs one batch. The job-tools script posts the
 * batches with `X-Conveyor-Bulk: json` and gets `{ done, changed, skipped, cursor, finished, message }`
 * back; a plain form post gets the confirm page with the run's progress and a button for the next
 * batch, and, once finished, a notice on the filtered jobs page. POSTs are same-origin only, as all
 * the dashboard's (the auth middleware).
 */
import { Hono, type Context } from 'hono';
import type { ServerDeps } from '../server/deps.js';
import { parseJobId } from '../store/encoding.js';
import { BULK_ACTIONS, bulkSummary, countBulk, isBulkAction, runBulkBatch, type BulkProgress } from './bulk-actions.js';
import { setFlash } from './cookies.js';
import { jobsPagePath, parseJobsQuery } from './jobs-filter.js';
import { notFoundPage, respondWithPage } from './layout.js';
import { bulkConfirmPage, UNCOUNTABLE_FILTERS } from './pages/bulk-confirm.js';
import { DASHBOARD_PREFIX } from './paths.js';

/** The header the job-tools script sends to get a batch's outcome as JSON. */
export const BULK_JSON_HEADER = 'X-Conveyor-Bulk';

export function bulkRoutes({ conveyor }: ServerDeps): Hono {
  const app = new Hono();
  const path = `${DASHBOARD_PREFIX}/bulk/:action`;

  app.get(path, async (c) => {
    const action = c.req.param('action');
    if (!isBulkAction(action)) return noSuchAction(c, action);
    const { query, filter, problems } = parseJobsQuery(c.req.query());
    const uncountable = uncountableFilters(c.req.query());
    const count = uncountable.length > 0 || problems.length > 0 ? null : await countBulk(conveyor, action, filter);
    return respondWithPage(c, bulkConfirmPage({ action, query, uncountable, problems, count, progress: null }));
  });

  app.post(path, async (c) => {
    const action = c.req.param('action');
    const wantsJson = c.req.header(BULK_JSON_HEADER) === 'json';
    if (!isBulkAction(action)) return wantsJson ? c.json({ message: `No bulk action "${action.slice(0, 40)}": the actions are ${BULK_ACTIONS.join(', ')}.` }, 404) : noSuchAction(c, action);
    const fields = Object.fromEntries(Object.entries(await c.req.parseBody()).flatMap(([key, value]) => (typeof value === 'string' ? [[key, value]] : [])));
    const { query, filter, problems } = parseJobsQuery({ state: fields.state, queue: fields.queue, task: fields.task });
    const uncountable = uncountableFilters(fields);
    if (problems.length > 0 || uncountable.length > 0) {
      const message = [...problems, ...uncountable.map((name) => `A bulk action takes no ${name} filter.`)].join(' ');
      return wantsJson ? c.json({ message }, 400) : respondWithPage(c, bulkConfirmPage({ action, query, uncountable, problems, count: null, progress: null }));
    }
    const cursor = fields.cursor !== undefined && parseJobId(fields.cursor) !== null ? fields.cursor : null;
    const before: BulkProgress = { done: count(fields.done), changed: count(fields.changed), skipped: count(fields.skipped) };
    const batch = await runBulkBatch(conveyor, action, filter, cursor, before);
    const finished = batch.cursor === null;
    if (wantsJson) {
      return c.json({ done: batch.done, changed: batch.changed, skipped: batch.skipped, cursor: batch.cursor, finished, message: finished ? bulkSummary(action, batch) : batch.skipReason }, 200);
    }
    if (finished) {
      setFlash(c, { kind: 'ok', text: bulkSummary(action, batch) });
      return c.redirect(jobsPagePath(query), 303);
    }
    const total = Math.max(count(fields.total), batch.done);
    const progress = { ...batch, cursor: batch.cursor ?? '', total };
    return respondWithPage(c, bulkConfirmPage({ action, query, uncountable: [], problems: [], count: await countBulk(conveyor, action, filter), progress }));
  });

  return app;
}

function noSuchAction(c: Context, action: string): Response {
  return respondWithPage(c, notFoundPage('jobs', 'No such bulk action', `There is no bulk action "${action.slice(0, 40)}": the actions are ${BULK_ACTIONS.join(', ')}.`));
}

/** The filter fields given that a bulk action cannot count (time bounds, text search), by their names. */
function uncountableFilters(params: Record<string, string | undefined>): string[] {
  return Object.entries(UNCOUNTABLE_FILTERS).flatMap(([key, name]) => (params[key] !== undefined && params[key].trim() !== '' ? [name] : []));
}

/** A running total the page sent back: a whole number from 0, else 0. */
function count(value: string | undefined): number {
  const number = Number(value ?? '0');
  return Number.isSafeInteger(number) && number >= 0 ? number : 0;
}

