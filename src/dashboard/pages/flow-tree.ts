/**
 * A flow drawn as a tree on the page of any of its jobs: the root (the job that runs last) at the top,
 * each job's children indented under it, each node its task, its id linked to its page and its state
 * badge, the page's own job marked. A flow holds up to `MAX_FLOW_JOBS` (10,000) jobs, so the page reads
 * only the first `FLOW_TREE_LIMIT` by id (`flows.listJobs`); a flow's parents always have lower ids
 * than their children, so those form a whole tree, cut at its newest jobs, and the page says so.
 */
import type { Job } from '../../job.js';
import { EMPTY, html, type Html } from '../html.js';
import { jobPagePath } from '../paths.js';

/** Most jobs of a flow one page draws. */
export const FLOW_TREE_LIMIT = 500;

/** A flow's jobs as read for the tree: at most `FLOW_TREE_LIMIT`, and whether more were left out. */
export interface FlowTreeJobs {
  jobs: readonly Job[];
  capped: boolean;
}

/** The flow panel of a job's page; nothing for a job outside a flow. */
export function flowTreeSection(current: Job, flow: FlowTreeJobs | null): Html {
  if (current.flowId === null || flow === null) return EMPTY;
  const children = childrenByParent(flow.jobs);
  const root = flow.jobs.find((job) => job.id === current.flowId);
  if (root === undefined) return html`<section class="panel"><h2>Flow</h2><div class="muted">The flow's root job #${current.flowId} is gone (pruned after its retention).</div></section>`;
  const more = flow.capped
    ? html`<div class="muted" data-flow-capped>… and more: this flow has over ${FLOW_TREE_LIMIT} jobs; the tree shows its first ${FLOW_TREE_LIMIT}, oldest first.</div>`
    : EMPTY;
  return html`<section class="panel" data-flow-tree><h2>Flow <span class="muted">(${flow.jobs.length}${flow.capped ? '+' : ''} jobs)</span></h2>
<ul class="flow-tree">${node(root, children, current.id)}</ul>${more}</section>`;
}

function node(job: Job, children: ReadonlyMap<string, Job[]>, currentId: string): Html {
  const kids = children.get(job.id) ?? [];
  const isCurrent = job.id === currentId;
  return html`<li data-flow-node="${job.id}"${isCurrent ? html` class="current" aria-current="true"` : EMPTY}>
<span class="flow-node">${isCurrent ? html`<strong>#${job.id}</strong>` : html`<a href="${jobPagePath(job.id)}">#${job.id}</a>`} <code>${job.task}</code> ${flowStateBadge(job)}${isCurrent ? html` <span class="muted">(this job)</span>` : EMPTY}</span>
${kids.length === 0 ? EMPTY : html`<ul>${kids.map((kid) => node(kid, children, currentId))}</ul>`}
</li>`;
}

/**
 * A state badge the live script leaves alone: it sets every `[data-job-state]` inside the page's
 * `data-job-id` holder to the page job's new state, and the tree sits inside that holder. The tree
 * is redrawn with the live region instead.
 */
function flowStateBadge(job: Job): Html {
  return html`<span class="state state-${job.state}" data-flow-state>${job.state}</span>`;
}

/** Each job's children, in id order (the order the flow was declared). */
function childrenByParent(jobs: readonly Job[]): Map<string, Job[]> {
  const byParent = new Map<string, Job[]>();
  for (const job of jobs) {
    if (job.parentId === null) continue;
    const siblings = byParent.get(job.parentId) ?? [];
    siblings.push(job);
    byParent.set(job.parentId, siblings);
  }
  return byParent;
}
