/**
 * The bar under the jobs page's filter: enqueue a new job from a form, and the bulk actions on the
 * filter (retry, cancel or delete every matching job, after a confirm page with the count). Kept
 * apart from the jobs page so the tools it offers grow here.
 */
import { BULK_ACTION_INFO, BULK_ACTIONS } from '../bulk-actions.js';
import { html, type Html } from '../html.js';
import type { JobsQuery } from '../jobs-filter.js';
import { ENQUEUE_PAGE_PATH } from '../paths.js';
import { bulkActionPath, UNCOUNTABLE_FILTERS } from './bulk-confirm.js';

export function jobsToolbar(query: JobsQuery): Html {
  const uncountable = Object.entries(UNCOUNTABLE_FILTERS).flatMap(([key, name]) => (query[key as keyof typeof UNCOUNTABLE_FILTERS] === undefined ? [] : [name]));
  const bulk =
    uncountable.length > 0
      ? html`<span class="muted" data-bulk-unavailable>Bulk actions take the state, queue and task filters only (not ${uncountable.join(', ')}).</span>`
      : BULK_ACTIONS.map((action) => html`<a class="button" href="${bulkActionPath(action, query)}" data-bulk-action="${action}">${BULK_ACTION_INFO[action].verb} all matching…</a>`);
  return html`<div class="bulk-actions" data-jobs-toolbar><a class="button" href="${ENQUEUE_PAGE_PATH}" data-new-job>New job…</a>${bulk}</div>`;
}
