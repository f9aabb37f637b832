/**
 * The failure groups page: one row per error fingerprint among the failed and dead jobs, biggest
 * first, with a sample job, when it was first and last seen, and a button that retries every job of
 * the group (for after the fix is deployed).
 */
import { FAILURE_STATES, type FailureGroup, type FailureGroupReport } from '../../insights/failure-groups.js';
import { plural, timeAgo, truncate } from '../format.js';
import { html, type Html } from '../html.js';
import { jobsPagePath } from '../jobs-filter.js';
import type { Page } from '../layout.js';
import { FAILURES_PAGE_PATH, jobPagePath } from '../paths.js';

export function failuresPage(report: FailureGroupReport, now: Date): Page {
  return {
    title: 'Failure groups',
    section: 'failures',
    head: html`<h1>Failure groups</h1><p class="subtitle">Failed (retrying) and dead jobs grouped by their latest error: its type, its message with numbers, ids and quoted strings replaced, and its top stack frame.</p>`,
    live: failuresLive(report, now),
    liveness: { eventsUrl: '/events', refreshMs: 5000 },
  };
}

function failuresLive(report: FailureGroupReport, now: Date): Html {
  const basis = report.capped
    ? html`<p class="warning" data-failure-basis>Based on ${plural(report.scanned, 'failed or dead job', 'failed or dead jobs')}; more, which failed before this version kept fingerprints, are counted as each visit fingerprints the next ${report.limit.toLocaleString('en-US')}.</p>`
    : html`<p class="muted" data-failure-basis>Based on all ${plural(report.scanned, 'failed or dead job', 'failed or dead jobs')}.</p>`;
  if (report.groups.length === 0) return html`${basis}<div class="panel empty">No failed or dead jobs.</div>`;
  return html`${basis}<table class="failure-groups">
<thead><tr><th>Error</th><th>Tasks</th><th class="num">Jobs</th><th>First seen</th><th>Last seen</th><th>Sample</th><th></th></tr></thead>
<tbody>${report.groups.map((group) => groupRow(group, now))}</tbody>
</table>`;
}

function groupRow(group: FailureGroup, now: Date): Html {
  const retryAll = `${FAILURES_PAGE_PATH}/${group.fingerprint}/retry`;
  return html`<tr data-fingerprint="${group.fingerprint}">
<td><div class="group-message"><strong>${group.type}</strong>: ${truncate(group.message, 300)}</div>${group.topFrame === null ? html`<div class="muted">no stack</div>` : html`<div class="muted mono">at ${truncate(group.topFrame, 160)}</div>`}</td>
<td>${group.tasks.map((task) => html`<a class="tag" href="${jobsPagePath({ task, state: FAILURE_STATES })}">${task}</a>`)}</td>
<td class="num"><strong data-group-count>${group.count.toLocaleString('en-US')}</strong><div class="muted nowrap">${[group.dead > 0 ? `${group.dead} dead` : null, group.failed > 0 ? `${group.failed} retrying` : null].filter((part) => part !== null).join(', ')}</div></td>
<td>${timeAgo(group.firstSeenAt, now)}</td>
<td>${timeAgo(group.lastSeenAt, now)}</td>
<td><a href="${jobPagePath(group.sample.jobId)}">#${group.sample.jobId}</a><div class="muted summary" title="${truncate(group.sample.message, 500)}">${truncate(group.sample.message, 80)}</div></td>
<td><form class="inline" method="post" action="${retryAll}"><button type="submit" class="primary">Retry all ${group.count.toLocaleString('en-US')}</button></form></td>
</tr>`;
}
