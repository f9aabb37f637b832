/**
 * The queues page: every queue with its jobs by state, its last hour of throughput and whether it is
 * paused, each name linking to the queue's own page.
 */
import type { QueueOverview } from '../../insights/queue-overview.js';
import { emptyBuckets, type Throughput } from '../../insights/throughput.js';
import { count } from '../format.js';
import { html, type Html } from '../html.js';
import type { Page } from '../layout.js';
import { queuePagePath } from '../paths.js';
import { throughputChart } from './throughput-chart.js';

const COLUMNS = ['queued', 'scheduled', 'running', 'failed', 'dead'] as const;

export interface QueuesPageData {
  queues: QueueOverview[];
  throughput: Throughput;
  now: Date;
}

export function queuesPage(data: QueuesPageData): Page {
  return {
    title: 'Queues',
    section: 'queues',
    head: html`<h1>Queues</h1><p class="subtitle">Every queue with jobs or operator state. Open one for its charts, start latency, limits and workers.</p>`,
    live: queuesLive(data),
    liveness: { eventsUrl: '/events', refreshMs: 1000, pollMs: 10_000 },
  };
}

function queuesLive(data: QueuesPageData): Html {
  if (data.queues.length === 0) return html`<div class="panel empty">No queues yet: enqueue a job and its queue appears here.</div>`;
  return html`<div class="table-scroll"><table class="queues">
<thead><tr><th>Queue</th>${COLUMNS.map((state) => html`<th class="num">${state === 'failed' ? 'retrying' : state}</th>`)}<th>Last hour</th><th>State</th></tr></thead>
<tbody>${data.queues.map(
    (queue) => html`<tr data-queue="${queue.name}"><td><a href="${queuePagePath(queue.name)}"><strong>${queue.name}</strong></a></td>${COLUMNS.map((state) => html`<td class="num" data-count="${state}">${count(queue.depth[state])}</td>`)}<td>${throughputChart(data.throughput.get(queue.name) ?? emptyBuckets(data.now))}</td><td>${queue.paused ? html`<span class="state state-paused">paused</span>` : html`<span class="state state-live">running</span>`}</td></tr>`,
  )}</tbody>
</table></div>`;
}
