/**
 * The bar under the jobs page's filter: enqueue a new job from a form. Kept apart from the jobs
 * page so the tools it offers grow here.
 */
import { html, type Html } from '../html.js';
import { ENQUEUE_PAGE_PATH } from '../paths.js';

export function jobsToolbar(): Html {
  return html`<div class="bulk-actions" data-jobs-toolbar><a class="button" href="${ENQUEUE_PAGE_PATH}" data-new-job>New job…</a></div>`;
}
