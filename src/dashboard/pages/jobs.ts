/**
 * The jobs page: a filter form (state, queue, task, creation time, text in the input or an error
 * message) and one page of matching jobs, newest first, paged with the store's cursor (so a deep
 * page costs the same as the first, at any table size).
 */
import { JOB_STATES } from '../../job.js';
import type { JobSummary } from '../../store/store.js';
import { stateBadge, timeAgo, truncate } from '../format.js';
import { EMPTY, html, type Html } from '../html.js';
import { jobsPagePath, type JobsQuery } from '../jobs-filter.js';
import type { Page } from '../layout.js';
import { jobsToolbar } from './jobs-toolbar.js';
import { jobPagePath, JOBS_PAGE_PATH } from '../paths.js';

export interface JobsPageData {
  query: JobsQuery;
  jobs: JobSummary[];
  nextCursor: string | null;
  problems: string[];
  /** Queue and task names to suggest in the filter fields. */
  queueNames: string[];
  taskNames: string[];
  now: Date;
}

export const JOBS_PAGE_SIZE = 50;

/** Characters of a row's summary its tooltip shows (the store cuts input and messages to this). */
export const SUMMARY_TITLE_CHARS = 500;

export function jobsPage(data: JobsPageData): Page {
  const events = new URLSearchParams();
  if (data.query.queue !== undefined) events.set('queue', data.query.queue);
  if (data.query.task !== undefined) events.set('task', data.query.task);
  const eventsQuery = events.toString();
  return {
    title: 'Jobs',
    section: 'jobs',
    head: html`<h1>Jobs</h1><p class="subtitle">Newest first. The search looks for text in each job's input (as JSON) and error messages; narrow it with the other filters on big tables.</p>${filterForm(data)}${jobsToolbar(data.query)}`,
    live: jobsLive(data),
    liveness: { eventsUrl: eventsQuery === '' ? '/events' : `/events?${eventsQuery}`, refreshMs: 1000 },
  };
}

function filterForm({ query, queueNames, taskNames }: JobsPageData): Html {
  const selected = query.state === undefined ? '' : typeof query.state === 'string' ? query.state : query.state.join(',');
  const option = (value: string, label: string) => html`<option value="${value}"${value === selected ? html` selected` : EMPTY}>${label}</option>`;
  // Several states come from links (failed or dead); offer them so filtering again keeps them.
  const several = typeof query.state === 'object' ? option(selected, query.state.join(' or ')) : EMPTY;
  return html`<form class="filters" method="get" action="${JOBS_PAGE_PATH}" role="search">
<label>State<select name="state">${option('', 'any state')}${several}${JOB_STATES.map((state) => option(state, state))}</select></label>
<label>Queue<input name="queue" list="queue-names" value="${query.queue ?? ''}" placeholder="any queue" maxlength="128"></label>
<label>Task<input name="task" list="task-names" value="${query.task ?? ''}" placeholder="any task" maxlength="128"></label>
<label>Created after (UTC)<input type="datetime-local" name="after" value="${query.after ?? ''}"></label>
<label>Created before (UTC)<input type="datetime-local" name="before" value="${query.before ?? ''}"></label>
<label>Search input and errors<input type="search" name="q" value="${query.q ?? ''}" placeholder="e.g. ada@example.com or timeout" maxlength="200"></label>
<div class="actions"><button type="submit" class="primary">Filter</button><a href="${JOBS_PAGE_PATH}">Clear</a></div>
<datalist id="queue-names">${queueNames.map((name) => html`<option value="${name}"></option>`)}</datalist>
<datalist id="task-names">${taskNames.map((name) => html`<option value="${name}"></option>`)}</datalist>
</form>`;
}

function jobsLive(data: JobsPageData): Html {
  const problems = data.problems.map((problem) => html`<div class="flash error">${problem}</div>`);
  if (data.jobs.length === 0) {
    // A text search reads a bounded stretch of jobs per page, so a page can be empty with older jobs still to search.
    const message =
      data.nextCursor !== null ? 'No match among the jobs searched so far; "Older" searches further back.' : data.query.cursor === undefined ? 'No job matches these filters.' : 'No more jobs: this was the last page.';
    return html`${problems}<div class="panel empty" data-jobs-empty>${message}</div>${pager(data)}`;
  }
  return html`${problems}<table class="jobs">
<thead><tr><th class="num">Id</th><th>Task</th><th>Queue</th><th>State</th><th class="num">Attempt</th><th>Created</th><th>Finished</th><th>Input or last error</th></tr></thead>
<tbody>${data.jobs.map((job) => jobRow(job, data.now))}</tbody>
</table>${pager(data)}`;
}

function jobRow(job: JobSummary, now: Date): Html {
  const summary = job.lastError !== null && (job.state === 'failed' || job.state === 'dead') ? job.lastError.message : job.inputPreview;
  return html`<tr data-job-id="${job.id}">
<td class="num"><a href="${jobPagePath(job.id)}">#${job.id}</a></td>
<td><code>${job.task}</code></td>
<td>${job.queue}</td>
<td>${stateBadge(job.state)}</td>
<td class="num">${job.attempt}/${job.maxAttempts}</td>
<td>${timeAgo(job.createdAt, now)}</td>
<td>${timeAgo(job.finishedAt, now)}</td>
<td class="summary" title="${truncate(summary, SUMMARY_TITLE_CHARS)}">${truncate(summary, 140)}</td>
</tr>`;
}

function pager(data: JobsPageData): Html {
  const first = data.query.cursor === undefined ? EMPTY : html`<a href="${jobsPagePath(data.query, { cursor: undefined })}">← Newest</a>`;
  const next = data.nextCursor === null ? EMPTY : html`<a href="${jobsPagePath(data.query, { cursor: data.nextCursor })}" rel="next">Older →</a>`;
  return html`<div class="pager"><span>${first}</span><span>${data.jobs.length === 0 ? '' : `Showing ${data.jobs.length} job(s)`}</span><span>${next}</span></div>`;
}
