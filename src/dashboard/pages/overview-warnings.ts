/**
 * The warnings at the top of the overview, worst first: jobs no live worker will take (F1), workers
 * that stopped heartbeating (F2), services tasks need that are down (F9), and any other readiness
 * check that fails (store, migrations, no live worker at all). Orphans, stalled workers and
 * dependencies are named one by one here rather than through their readiness summary.
 */
import type { OrphanGroup, OrphanReport } from '../../client/orphans.js';
import { dependenciesDown } from '../../insights/dependency-waits.js';
import { orphanFix } from '../../insights/orphan-fix.js';
import type { Readiness } from '../../insights/readiness.js';
import { formatAgo, plural, timeAgo } from '../format.js';
import { html, type Html } from '../html.js';
import { jobsPagePath } from '../jobs-filter.js';

/** Readiness checks the orphan report already details. */
const DETAILED_ELSEWHERE: ReadonlySet<string> = new Set(['orphaned-jobs', 'stalled-workers', 'dependencies']);

export function overviewWarnings(orphans: OrphanReport | null, readiness: Readiness, now: Date, queuedByTask: ReadonlyMap<string, number> = new Map()): Html[] {
  const warnings: Html[] = [];
  for (const check of readiness.checks) {
    if (check.ok || (orphans !== null && DETAILED_ELSEWHERE.has(check.name))) continue;
    warnings.push(html`<div class="warning error" data-warning="not-ready"><strong>Not ready (${check.name}):</strong>${check.detail}</div>`);
  }
  for (const group of orphans?.jobs ?? []) warnings.push(orphanWarning(group, orphans?.liveWorkers ?? [], now));
  for (const down of dependenciesDownByName(orphans?.liveWorkers ?? [])) warnings.push(dependencyWarning(down, queuedByTask, now));
  for (const worker of orphans?.stalledWorkers ?? []) {
    warnings.push(
      html`<div class="warning" data-warning="stalled-worker"><strong>Stalled worker:</strong><code>${worker.id}</code> on ${worker.host} (pid ${worker.pid}) stopped heartbeating ${formatAgo(worker.lastHeartbeatAt, now)}; its running jobs are queued again when their leases expire.</div>`,
    );
  }
  return warnings;
}

interface DependencyDownOnHosts {
  name: string;
  target: string;
  /** The earliest time a worker found it down. */
  since: Date;
  lastError: string | null;
  tasks: string[];
  hosts: string[];
}

/** Each dependency some live worker finds down, once, with every worker and task concerned. */
function dependenciesDownByName(workers: OrphanReport['liveWorkers']): DependencyDownOnHosts[] {
  const byName = new Map<string, DependencyDownOnHosts>();
  for (const { worker, dependency: status } of dependenciesDown(workers)) {
    const known = byName.get(status.name);
    if (known === undefined) {
      byName.set(status.name, { name: status.name, target: status.target, since: status.since, lastError: status.lastError, tasks: [...status.tasks], hosts: [worker.host] });
      continue;
    }
    if (status.since < known.since) known.since = status.since;
    for (const task of status.tasks) if (!known.tasks.includes(task)) known.tasks.push(task);
    if (!known.hosts.includes(worker.host)) known.hosts.push(worker.host);
  }
  return [...byName.values()];
}

function dependencyWarning(down: DependencyDownOnHosts, queuedByTask: ReadonlyMap<string, number>, now: Date): Html {
  const waiting = down.tasks.map((task) => html`${plural(queuedByTask.get(task) ?? 0, 'queued job')} of <a href="${jobsPagePath({ state: 'queued', task })}"><code>${task}</code></a>`);
  const joined = waiting.flatMap((part, index) => (index === 0 ? [part] : [html`, `, part]));
  return html`<div class="warning error" data-warning="dependency-down"><strong>Dependency down:</strong><code>${down.name}</code> at <code>${down.target}</code>, since ${timeAgo(down.since, now)} on ${down.hosts.join(', ')}: ${down.lastError ?? 'no error recorded'}. Waiting for it: ${joined}.</div>`;
}

function orphanWarning(group: OrphanGroup, liveWorkers: OrphanReport['liveWorkers'], now: Date): Html {
  const why = group.reason === 'queue-not-served' ? 'no live worker serves this queue' : 'the live workers of this queue do not run this task';
  const link = jobsPagePath({ state: 'queued', queue: group.queue, task: group.task });
  return html`<div class="warning error" data-warning="orphans"><strong>Orphaned jobs:</strong><a href="${link}">${plural(group.count, 'job')}</a> of task <code>${group.task}</code> in queue <code>${group.queue}</code> wait for a worker that serves them — ${why}. Oldest waiting since ${timeAgo(group.oldestCreatedAt, now)}. <span data-fix>Fix: ${orphanFix(group, liveWorkers)}.</span></div>`;
}
