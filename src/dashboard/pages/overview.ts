/**
 * The overview: totals, warnings, and one row per queue with its jobs by state (each number links
 * to those jobs), its last hour of throughput and its pause switch.
 */
import { FINAL_STATES, type JobState } from '../../job.js';
import type { QueueOverview } from '../../insights/queue-overview.js';
import { count, plural } from '../format.js';
import { EMPTY, html, type Html } from '../html.js';
import type { Page } from '../layout.js';
import type { OverviewData } from '../overview-data.js';
import { jobsPagePath } from '../jobs-filter.js';
import { DASHBOARD_PREFIX, queuePagePath, WORKERS_PAGE_PATH } from '../paths.js';
import { bucketTotal, emptyBuckets, type ThroughputBucket } from '../../insights/throughput.js';
import { overviewWarnings } from './overview-warnings.js';
import { throughputChart } from './throughput-chart.js';

const COLUMNS = ['queued', 'scheduled', 'running', 'failed', 'dead'] as const;

export function overviewPage(data: OverviewData): Page {
  return {
    title: 'Overview',
    section: 'overview',
    head: html`<h1>Overview</h1><p class="subtitle">Is work flowing, what is stuck, what failed. Throughput counts jobs that finished (succeeded, dead or cancelled) in each five-minute slice of the clock over the last hour (the newest slice runs up to now).</p>`,
    live: overviewLive(data),
    liveness: { eventsUrl: '/events', refreshMs: 1000, pollMs: 10_000 },
  };
}

function overviewLive(data: OverviewData): Html {
  const warnings = overviewWarnings(data.orphans, data.readiness, data.now, data.queuedByTask);
  return html`${tiles(data)}
<section class="warnings" aria-label="Warnings">${warnings.length > 0 ? warnings : html`<div class="all-clear" data-warning="none">All clear: the store answers, workers are heartbeating, and every queued job has a worker that serves it.</div>`}</section>
<h2>Queues</h2>
${queueTable(data)}`;
}

function tiles(data: OverviewData): Html {
  const sum = (state: (typeof COLUMNS)[number]) => data.queues.reduce((total, queue) => total + queue.depth[state], 0);
  const finished = [...data.throughput.values()].flat().reduce((total, bucket) => total + bucketTotal(bucket), 0);
  const live = data.orphans?.liveWorkers.length ?? 0;
  const tile = (label: string, value: number, href: string, bad = false) =>
    html`<a class="tile${bad ? ' bad' : ''}" href="${href}"><div class="label">${label}</div><div class="value" data-tile="${label}">${value.toLocaleString('en-US')}</div></a>`;
  return html`<div class="tiles">
${tile('Queued', sum('queued'), jobsPagePath({ state: 'queued' }))}
${tile('Running', sum('running'), jobsPagePath({ state: 'running' }))}
${tile('Retrying', sum('failed'), jobsPagePath({ state: 'failed' }), sum('failed') > 0)}
${tile('Dead', sum('dead'), jobsPagePath({ state: 'dead' }), sum('dead') > 0)}
${tile('Finished last hour', finished, jobsPagePath({ state: FINAL_STATES }))}
${tile('Live workers', live, WORKERS_PAGE_PATH, live === 0)}
</div>`;
}

function queueTable(data: OverviewData): Html {
  if (!data.storeAnswered) return html`<div class="panel empty" data-queues-unknown>Queues unknown: the job store did not answer (see the warning above).</div>`;
  if (data.queues.length === 0) return html`<div class="panel empty">No queues yet: enqueue a job and its queue appears here.</div>`;
  return html`<table class="queues">
<thead><tr><th>Queue</th>${COLUMNS.map((state) => html`<th class="num">${state === 'failed' ? 'failed (retrying)' : state}</th>`)}<th>Last hour</th><th>State</th><th></th></tr></thead>
<tbody>${data.queues.map((queue) => queueRow(queue, data.throughput.get(queue.name) ?? emptyBuckets(data.now)))}</tbody>
</table>`;
}

function queueRow(queue: QueueOverview, buckets: ThroughputBucket[]): Html {
  const jobsOf = (state: JobState) => jobsPagePath({ queue: queue.name, state });
  const action = `${DASHBOARD_PREFIX}/queues/${encodeURIComponent(queue.name)}/${queue.paused ? 'resume' : 'pause'}`;
  return html`<tr data-queue="${queue.name}">
<td><a href="${queuePagePath(queue.name)}"><strong>${queue.name}</strong></a>${queueLimits(queue)}</td>
${COLUMNS.map((state) => html`<td class="num" data-count="${state}">${queue.depth[state] === 0 ? count(0) : html`<a href="${jobsOf(state)}">${count(queue.depth[state])}</a>`}</td>`)}
<td>${throughputChart(buckets)}</td>
<td>${queue.paused ? html`<span class="state state-paused" data-queue-state>paused</span>` : html`<span class="state state-live" data-queue-state>running</span>`}</td>
<td><form class="inline" method="post" action="${action}"><button type="submit"${queue.paused ? html` class="primary"` : EMPTY}>${queue.paused ? 'Resume' : 'Pause'}</button></form></td>
</tr>`;
}

function queueLimits(queue: QueueOverview): Html {
  const { concurrency, perKey, rate } = queue.limits;
  const parts = [
    concurrency === null ? null : `${plural(concurrency, 'job')} at once`,
    perKey === null ? null : `${perKey} per key`,
    rate === null ? null : `${rate.limit} per ${rate.intervalMs} ms`,
  ].filter((part): part is string => part !== null);
  return parts.length === 0 ? EMPTY : html`<div class="muted">limits: ${parts.join(', ')}</div>`;
}
