/**
 * The confirm page of a bulk action on the jobs filter: what the filter is, how many jobs it matches
 * now in each state the action applies to (and how many it leaves alone, and why), what will happen
 * to each, and the button that starts the run. The job-tools script runs the batches and moves the
 * progress bar; without it, each batch comes back to this page with a button for the next.
 */
import { BULK_ACTION_INFO, BULK_BATCH_SIZE, type BulkAction, type BulkCount, type BulkProgress } from '../bulk-actions.js';
import { plural } from '../format.js';
import { EMPTY, html, type Html } from '../html.js';
import { jobsPagePath, jobsQueryString, type JobsQuery } from '../jobs-filter.js';
import type { Page } from '../layout.js';
import { DASHBOARD_PREFIX } from '../paths.js';

/** Where a bulk action's confirm page (GET) and its batches (POST) live. */
export function bulkActionPath(action: BulkAction, query: JobsQuery = {}): string {
  return `${DASHBOARD_PREFIX}/bulk/${action}${jobsQueryString(query, { cursor: undefined })}`;
}

/** The filter fields a bulk action cannot count exactly, by query key. */
export const UNCOUNTABLE_FILTERS = { after: 'created after', before: 'created before', q: 'search text' } as const;

export interface BulkConfirmView {
  action: BulkAction;
  query: JobsQuery;
  /** Filter fields present that a bulk action refuses (`UNCOUNTABLE_FILTERS`). */
  uncountable: string[];
  /** Filter values the page ignored (a bad state name). */
  problems: string[];
  count: BulkCount | null;
  /** A run under way without the script: where it stands, and where the next batch starts. */
  progress: (BulkProgress & { cursor: string; total: number; skipReason: string | null }) | null;
}

export function bulkConfirmPage(view: BulkConfirmView): Page {
  const info = BULK_ACTION_INFO[view.action];
  const title = `${info.verb} all matching jobs`;
  return {
    title,
    section: 'jobs',
    status: view.uncountable.length > 0 || view.problems.length > 0 ? 400 : 200,
    live: html`<h1>${title}</h1>
<p class="subtitle">Filter: ${filterSummary(view.query)} · <a href="${jobsPagePath({ ...view.query, cursor: undefined })}">back to the jobs</a></p>
${view.problems.map((problem) => html`<div class="flash error">${problem}</div>`)}
${view.uncountable.length > 0 ? uncountableWarning(view) : view.count === null ? EMPTY : body(view, view.count)}`,
  };
}

function filterSummary(query: JobsQuery): Html {
  const state = query.state === undefined ? 'any' : typeof query.state === 'string' ? query.state : query.state.join(' or ');
  return html`state <strong data-bulk-filter="state">${state}</strong>, queue <strong data-bulk-filter="queue">${query.queue ?? 'any'}</strong>, task <strong data-bulk-filter="task">${query.task ?? 'any'}</strong>`;
}

function uncountableWarning(view: BulkConfirmView): Html {
  const countable: JobsQuery = { state: view.query.state, queue: view.query.queue, task: view.query.task };
  return html`<div class="warning error" data-bulk-uncountable>A bulk action works on the state, queue and task filters, whose matches the store counts exactly; this filter also has ${view.uncountable.join(', ')}, which it cannot count without reading every job. Nothing was done.
<a href="${bulkActionPath(view.action, countable)}">${BULK_ACTION_INFO[view.action].verb} on state, queue and task only</a></div>`;
}

function body(view: BulkConfirmView, count: BulkCount): Html {
  const info = BULK_ACTION_INFO[view.action];
  const counts = html`<section class="panel"><h2>Matching now</h2>
${count.total === 0 ? html`<div class="empty" data-bulk-total="0">No job matching this filter is in a state this action applies to: nothing to do.</div>` : html`<p><strong data-bulk-total="${count.total}">${plural(count.total, 'job')}</strong> will be ${info.done}: ${count.applies.map((entry, index) => html`${index > 0 ? ', ' : ''}<span data-bulk-state="${entry.state}">${entry.count.toLocaleString('en-US')} ${entry.state}</span>`)}.</p>`}
${count.leftAlone.length === 0 ? EMPTY : html`<p class="muted" data-bulk-left-alone>Also matching, and left alone: ${count.leftAlone.map((entry, index) => html`${index > 0 ? ', ' : ''}${entry.count.toLocaleString('en-US')} ${entry.state}`)}. ${info.leftAlone}</p>`}
<p>${info.effect} The jobs go ${BULK_BATCH_SIZE.toLocaleString('en-US')} at a time, newest first; jobs enqueued after this count are not touched.</p>
</section>`;
  if (count.total === 0) return counts;
  const total = view.progress?.total ?? count.total;
  const progress = view.progress;
  const hidden = (name: string, value: string | number | undefined) => (value === undefined ? EMPTY : html`<input type="hidden" name="${name}" value="${String(value)}">`);
  const state = view.query.state === undefined ? undefined : typeof view.query.state === 'string' ? view.query.state : view.query.state.join(',');
  return html`${counts}
<form method="post" action="${bulkActionPath(view.action)}" data-bulk-form data-bulk-total="${total}" class="panel">
${hidden('state', state)}${hidden('queue', view.query.queue)}${hidden('task', view.query.task)}${hidden('total', total)}
${progress === null ? EMPTY : html`${hidden('cursor', progress.cursor)}${hidden('done', progress.done)}${hidden('changed', progress.changed)}${hidden('skipped', progress.skipped)}`}
<progress data-bulk-progress max="${Math.max(total, 1)}" value="${progress?.done ?? 0}"${progress === null ? html` hidden` : EMPTY}></progress>
<div data-bulk-status data-bulk-state="${progress === null ? 'ready' : 'running'}">${progress === null ? EMPTY : html`${progress.done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}…${progress.skipReason === null ? EMPTY : html` (skipped ${progress.skipReason})`}`}</div>
<div class="actions"><button type="submit" class="${view.action === 'retry' ? 'primary' : 'danger'}" data-bulk-submit>${progress === null ? `${info.verb} ${plural(count.total, 'job')}` : 'Continue with the next batch'}</button></div>
</form>`;
}
