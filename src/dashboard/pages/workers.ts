/**
 * The workers page: every registered worker, live or stalled (its heartbeat stopped: F2), with its
 * host, pid, the queues and tasks it serves, its concurrency, the jobs it is running now, and its
 * last heartbeat.
 */
import type { WorkerStatus } from '../../conveyor.js';
import { timeAgo } from '../format.js';
import { html, type Html } from '../html.js';
import type { Page } from '../layout.js';
import { jobsPagePath } from '../jobs-filter.js';

export interface WorkersPageData {
  workers: WorkerStatus[];
  /** Running jobs per worker id. */
  runningByWorker: Map<string, number>;
  /** True when there were more running jobs than were counted. */
  runningCapped: boolean;
  /** How many running jobs were counted at most. */
  runningScanLimit: number;
  now: Date;
}

export function workersPage(data: WorkersPageData): Page {
  return {
    title: 'Workers',
    section: 'workers',
    head: html`<h1>Workers</h1><p class="subtitle">Every worker registered in the store. A worker is stalled when its heartbeat stopped; jobs it held are queued again when their leases expire.</p>`,
    live: workersLive(data),
    liveness: { eventsUrl: '/events', refreshMs: 2000, pollMs: 5000 },
  };
}

function workersLive(data: WorkersPageData): Html {
  if (data.workers.length === 0) return html`<div class="panel empty">No worker is registered: start one with <code>npx conveyor worker ./src/tasks.ts</code>.</div>`;
  const ordered = [...data.workers].sort((a, b) => Number(b.live) - Number(a.live) || a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
  return html`${data.runningCapped ? html`<p class="muted">Running jobs are counted among the first ${data.runningScanLimit.toLocaleString('en-US')} running.</p>` : ''}<table class="workers">
<thead><tr><th>Worker</th><th>State</th><th>Host</th><th class="num">PID</th><th>Queues</th><th>Tasks</th><th class="num">Running</th><th>Started</th><th>Last heartbeat</th></tr></thead>
<tbody>${ordered.map((worker) => workerRow(worker, data.runningByWorker.get(worker.id) ?? 0, data.now))}</tbody>
</table>`;
}

/** "1 handler ignoring its abort for 12 s": handlers that hold a slot after their attempt was aborted. */
function ignoringAbort(worker: WorkerStatus, now: Date): Html | string {
  const handlers = worker.handlersIgnoringAbort;
  if (handlers.length === 0) return '';
  const oldest = Math.min(...handlers.map((handler) => handler.abortedAt.getTime()));
  const seconds = Math.max(0, Math.round((now.getTime() - oldest) / 1000));
  const label = `${handlers.length} ${handlers.length === 1 ? 'handler' : 'handlers'} ignoring ${handlers.length === 1 ? 'its' : 'their'} abort for ${seconds.toLocaleString('en-US')} s`;
  const jobs = handlers.map((handler) => `job ${handler.jobId} (attempt ${handler.attempt}, ${handler.reason})`).join(', ');
  return html`<div class="warning-note" data-ignoring-abort title="${jobs}">${label}</div>`;
}

function workerRow(worker: WorkerStatus, running: number, now: Date): Html {
  return html`<tr data-worker-id="${worker.id}">
<td><code>${worker.id}</code></td>
<td>${worker.live ? html`<span class="state state-live">live</span>` : html`<span class="state state-stalled">stalled</span>`}${ignoringAbort(worker, now)}</td>
<td>${worker.host}</td>
<td class="num">${worker.pid}</td>
<td>${worker.queues.map((queue) => html`<a class="tag" href="${jobsPagePath({ queue })}">${queue}</a>`)}</td>
<td>${worker.tasks.map((task) => html`<span class="tag">${task}</span>`)}</td>
<td class="num" data-running>${running} / ${worker.concurrency}</td>
<td>${timeAgo(worker.startedAt, now)}</td>
<td>${timeAgo(worker.lastHeartbeatAt, now)}</td>
</tr>`;
}
