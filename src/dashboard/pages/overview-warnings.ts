/**
 * The warnings at the top of the overview, worst first: jobs no live worker will take (F1), workers
 * that stopped heartbeating (F2), and any other readiness check that fails (store, migrations, no
 * live worker at all). Orphans and stalled workers are named one by one here rather than through
 * their readiness summary.
 */
import type { OrphanGroup, OrphanReport } from '../../client/orphans.js';
import type { Readiness } from '../../insights/readiness.js';
import { formatAgo, plural, timeAgo } from '../format.js';
import { html, type Html } from '../html.js';
import { jobsPagePath } from '../jobs-filter.js';

/** Readiness checks the orphan report already details. */
const DETAILED_ELSEWHERE: ReadonlySet<string> = new Set(['orphaned-jobs', 'stalled-workers']);

export function overviewWarnings(orphans: OrphanReport | null, readiness: Readiness, now: Date): Html[] {
  const warnings: Html[] = [];
  for (const check of readiness.checks) {
    if (check.ok || (orphans !== null && DETAILED_ELSEWHERE.has(check.name))) continue;
    warnings.push(html`<div class="warning error" data-warning="not-ready"><strong>Not ready (${check.name}):</strong>${check.detail}</div>`);
  }
  for (const group of orphans?.jobs ?? []) warnings.push(orphanWarning(group, now));
  for (const worker of orphans?.stalledWorkers ?? []) {
    warnings.push(
      html`<div class="warning" data-warning="stalled-worker"><strong>Stalled worker:</strong><code>${worker.id}</code> on ${worker.host} (pid ${worker.pid}) stopped heartbeating ${formatAgo(worker.lastHeartbeatAt, now)}; its running jobs are queued again when their leases expire.</div>`,
    );
  }
  return warnings;
}

function orphanWarning(group: OrphanGroup, now: Date): Html {
  const why = group.reason === 'queue-not-served' ? 'no live worker serves this queue' : 'the live workers of this queue do not run this task';
  const link = jobsPagePath({ state: 'queued', queue: group.queue, task: group.task });
  return html`<div class="warning error" data-warning="orphans"><strong>Orphaned jobs:</strong><a href="${link}">${plural(group.count, 'job')}</a> of task <code>${group.task}</code> in queue <code>${group.queue}</code> wait for a worker that serves them — ${why}. Oldest waiting since ${timeAgo(group.oldestCreatedAt, now)}.</div>`;
}
