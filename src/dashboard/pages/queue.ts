/**
 * One queue's page: its jobs by state (each linked to the jobs list), pause switch, finished jobs
 * charted over the last hour and day, start-latency percentiles over a stated sample, its limits in
 * a form (errors next to their field), and the workers that serve it.
 */
import { formatDuration, timeAgo } from '../format.js';
import { EMPTY, html, type Html } from '../html.js';
import { jobsPagePath } from '../jobs-filter.js';
import type { Page } from '../layout.js';
import { DASHBOARD_PREFIX, queuePagePath, WORKERS_PAGE_PATH } from '../paths.js';
import { LATENCY_SAMPLE_SIZE, type QueuePageData } from '../queue-data.js';
import { limitFormValues, type LimitField, type LimitFormErrors, type LimitFormValues } from '../queue-limits-form.js';
import { DEPTH_STATES } from '../../insights/queue-overview.js';
import { finishedChart } from './finished-chart.js';

export interface LimitFormState {
  values: LimitFormValues;
  errors: LimitFormErrors;
}

export function queuePage(data: QueuePageData, form: LimitFormState | null = null): Page {
  const hasErrors = form !== null && Object.keys(form.errors).length > 0;
  return {
    title: `Queue ${data.name}`,
    section: 'queues',
    status: hasErrors ? 400 : 200,
    head: html`<h1>Queue <code>${data.name}</code></h1><p class="subtitle">Its jobs now, what finished over the last hour and day, how long jobs waited to start, its limits and its workers.</p>`,
    live: queueLive(data),
    // Outside the live region, so a refresh never wipes what is being typed.
    foot: limitsForm(data, form),
    // A form with errors is the answer to a POST: its URL is the form's action, which a refresh cannot GET.
    ...(form === null ? { liveness: { eventsUrl: '/events', refreshMs: 1000, pollMs: 10_000 } } : {}),
  };
}

function queueLive(data: QueuePageData): Html {
  const action = `${DASHBOARD_PREFIX}/queues/${encodeURIComponent(data.name)}/${data.paused ? 'resume' : 'pause'}?back=queue`;
  return html`<div class="actions queue-state">
${data.paused ? html`<span class="state state-paused" data-queue-state>paused</span>${data.pausedAt === null ? EMPTY : html` <span class="muted">since ${timeAgo(data.pausedAt, data.now)}</span>`}` : html`<span class="state state-live" data-queue-state>running</span>`}
<form class="inline" method="post" action="${action}"><button type="submit" data-queue-toggle${data.paused ? html` class="primary"` : EMPTY}>${data.paused ? 'Resume' : 'Pause'}</button></form>
</div>
<div class="tiles">${DEPTH_STATES.map(
    (state) => html`<a class="tile" href="${jobsPagePath({ queue: data.name, state })}"><div class="label">${state === 'failed' ? 'failed (retrying)' : state}</div><div class="value" data-queue-count="${state}">${data.depth[state].toLocaleString('en-US')}</div></a>`,
  )}</div>
<h2>Finished jobs</h2>
<div class="charts">${data.charts.map(finishedChart)}</div>
<h2>Start latency</h2>
${latency(data)}
<h2>Workers</h2>
${workers(data)}`;
}

function latency(data: QueuePageData): Html {
  const { count, p50, p90, p99 } = data.latency;
  const ms = (value: number | null) => (value === null ? '—' : formatDuration(value));
  return html`<div class="tiles latency">
<div class="tile"><div class="label">p50</div><div class="value" data-latency="p50">${ms(p50)}</div></div>
<div class="tile"><div class="label">p90</div><div class="value" data-latency="p90">${ms(p90)}</div></div>
<div class="tile"><div class="label">p99</div><div class="value" data-latency="p99">${ms(p99)}</div></div>
</div>
<p class="muted" data-latency-sample>From enqueue (or its run-at, if later) to the start of its latest attempt, over the <span data-latency-count>${count.toLocaleString('en-US')}</span> jobs that started in the last hour among the queue's latest ${LATENCY_SAMPLE_SIZE.toLocaleString('en-US')} started jobs (${data.latencySampled.toLocaleString('en-US')} read).</p>`;
}

function workers(data: QueuePageData): Html {
  if (data.workers.length === 0) return html`<div class="panel empty" data-queue-workers="none">No worker serves this queue: its jobs wait until one starts.</div>`;
  return html`<div class="table-scroll"><table>
<thead><tr><th>Worker</th><th>State</th><th>Host</th><th class="num">Concurrency</th><th>Last heartbeat</th></tr></thead>
<tbody>${data.workers.map(
    (worker) => html`<tr data-queue-worker="${worker.id}"><td><a href="${WORKERS_PAGE_PATH}"><code>${worker.id}</code></a></td><td>${worker.live ? html`<span class="state state-live">live</span>` : html`<span class="state state-stalled">stalled</span>`}</td><td>${worker.host}</td><td class="num">${worker.concurrency}</td><td>${timeAgo(worker.lastHeartbeatAt, data.now)}</td></tr>`,
  )}</tbody>
</table></div>`;
}

const FIELD_LABELS: Record<LimitField, string> = {
  concurrency: 'Jobs at once (all workers)',
  perKey: 'Jobs at once per concurrency key',
  rateLimit: 'Rate: jobs started…',
  rateIntervalMs: '…per interval (ms)',
};

function limitsForm(data: QueuePageData, form: LimitFormState | null): Html {
  const values = form?.values ?? limitFormValues(data.limits);
  const field = (name: LimitField) => {
    const error = form?.errors[name];
    return html`<label>${FIELD_LABELS[name]}<input type="text" inputmode="numeric" name="${name}" value="${values[name]}" placeholder="no limit"${error === undefined ? EMPTY : html` aria-invalid="true" aria-describedby="error-${name}"`}>${error === undefined ? EMPTY : html`<span class="field-error" id="error-${name}" data-field-error="${name}">${error}</span>`}</label>`;
  };
  return html`<h2>Limits</h2>
<form class="filters limits" method="post" action="${queuePagePath(data.name)}/limits" data-limits-form>
${field('concurrency')}${field('perKey')}${field('rateLimit')}${field('rateIntervalMs')}
<button type="submit" class="primary">Save limits</button>
<p class="muted">Empty means no limit. Workers obey new limits from their next claim.</p>
</form>`;
}
