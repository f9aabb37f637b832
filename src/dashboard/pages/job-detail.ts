/**
 * One job: what it is (task, queue, state, attempts, times, lease owner), why it waits (a service
 * its task needs is down, or a durable step sleeps or waits for an event), its progress, its durable
 * steps, input and result, its history as a timeline, the files its attempts wrote, and each failed
 * attempt's error with its stack, and, for a flow job, its flow as a tree. Run now, retry and cancel are POST forms that come back here; the input can be copied, or enqueued again after an edit. Every value from the job is escaped by `html`.
 */
import { DUE_STATES, RETRYABLE_STATES, isFinalState, type Job, type JobState } from '../../job.js';
import { errorType } from '../../store/error-fingerprint.js';
import type { DependencyWait } from '../../insights/dependency-waits.js';
import type { StepWait } from '../../insights/step-waits.js';
import type { StepRecord } from '../../store/store-records.js';
import { formatJson, stateBadge, timeAgo, timeExact } from '../format.js';
import { EMPTY, html, type Html } from '../html.js';
import type { Page } from '../layout.js';
import { jobTimeline, type TimelineEntry } from '../job-timeline.js';
import { jobsPagePath } from '../jobs-filter.js';
import { enqueueCopyPath, jobPagePath, runNowPath } from '../paths.js';
import { flowTreeSection, type FlowTreeJobs } from './flow-tree.js';
import { artifactsSection, type JobArtifacts } from './job-artifacts.js';
import { stepsSection } from './job-steps.js';

/** What the job page shows besides the job itself; each part defaults to nothing. */
export interface JobDetailExtras {
  /** For a queued job: the services its task needs that workers find down. */
  dependencyWait?: DependencyWait | null;
  /** For a scheduled job: the durable step it sleeps or waits in. */
  stepWait?: StepWait | null;
  /** Its durable steps, in start order. */
  steps?: readonly StepRecord[];
  artifacts?: JobArtifacts;
  /** For a flow job: the flow's first jobs, drawn as a tree. */
  flow?: FlowTreeJobs | null;
  /** Whether the server knows the job's task, so it can check the input of a copy. @default false */
  taskKnown?: boolean;
}

const NO_ARTIFACTS: JobArtifacts = { artifacts: [], linksEnabled: false };

export function jobDetailPage(job: Job, now: Date, extras: JobDetailExtras = {}): Page {
  return {
    title: `Job #${job.id}`,
    section: 'jobs',
    // Writing an artifact or a step logs a job event, so the live script refreshes the page as files appear and steps move.
    live: jobDetailLive(job, now, extras),
    liveness: { eventsUrl: `/events?jobId=${encodeURIComponent(job.id)}`, refreshMs: 1000 },
  };
}

function jobDetailLive(job: Job, now: Date, { dependencyWait = null, stepWait = null, steps = [], artifacts = NO_ARTIFACTS, flow = null, taskKnown = false }: JobDetailExtras): Html {
  return html`<div data-job-id="${job.id}">
<div class="detail-head">
  <div><h1>Job #${job.id} ${stateBadge(job.state)}</h1><div class="muted"><code>${job.task}</code> on queue <a href="${jobsPagePath({ queue: job.queue })}">${job.queue}</a></div></div>
  <div class="actions">${actionButtons(job)}</div>
</div>
${dependencyWait === null || dependencyWait.holds.length === 0 ? EMPTY : waitsFor(job, dependencyWait, now)}
${stepWait === null ? EMPTY : sleepsOrWaits(stepWait, now)}
<div class="grid-2">
  <section class="panel"><h2>Details</h2>${facts(job, now)}</section>
  <section class="panel"><h2>History</h2>${timeline(job, steps, now)}</section>
</div>
${flowTreeSection(job, flow)}
${job.progress === null ? EMPTY : html`<section class="panel"><h2>Progress</h2><progress data-job-progress max="1" value="${job.progress.fraction}"></progress> <strong>${Math.round(job.progress.fraction * 100)}%</strong> ${job.progress.message ?? ''}</section>`}
${stepsSection(steps, now)}
<section class="panel"><h2 class="panel-head">Input ${inputButtons(job, taskKnown)}</h2><pre data-job-input>${formatJson(job.input)}</pre></section>
${job.result === null ? EMPTY : html`<section class="panel"><h2>Result</h2><pre data-job-result>${formatJson(job.result)}</pre></section>`}
${artifactsSection(job.id, artifacts, now)}
${errorsSection(job)}
</div>`;
}

/** Why a queued job waits: a service its task needs is down on the workers that would run it. */
function waitsFor(job: Job, wait: DependencyWait, now: Date): Html {
  const summary = wait.blocked
    ? html`Every live worker that runs <code>${job.task}</code> on queue <code>${job.queue}</code> finds a service it needs down, so none claims this job until one is back.`
    : html`Some live workers that run <code>${job.task}</code> find a service it needs down; the others can still claim this job.`;
  const items = wait.holds.map(
    ({ workerId, host, dependency }) =>
      html`<li><code>${dependency.name}</code> at <code>${dependency.target}</code>, down since ${timeAgo(dependency.since, now)} on worker <code>${workerId}</code> (${host}): ${dependency.lastError ?? 'no error recorded'}</li>`,
  );
  return html`<div class="warning error" data-job-waits><strong>Waiting for a dependency:</strong>${summary}<ul>${items}</ul></div>`;
}

/** Why a scheduled job is not running: a durable step left the worker to sleep or to wait for an event. */
function sleepsOrWaits(wait: StepWait, now: Date): Html {
  const at = (date: Date) => html`${timeExact(date)} <span class="muted">(${timeAgo(date, now)})</span>`;
  if (wait.kind === 'sleep') {
    return html`<div class="warning" data-step-wait="sleep"><strong>Sleeping</strong> (step <code>${wait.step}</code>) until ${at(wait.until)}: it runs again then, from that step.</div>`;
  }
  const match = wait.match === null ? EMPTY : html` matching <code>${wait.match}</code>`;
  return html`<div class="warning" data-step-wait="wait"><strong>Waiting for event</strong> <code>${wait.event}</code>${match} (step <code>${wait.step}</code>) until ${at(wait.deadline)}: it is queued as soon as the event is sent, or runs at the deadline with the wait timed out.</div>`;
}

function actionButtons(job: Job): Html {
  const retryable = (RETRYABLE_STATES as readonly JobState[]).includes(job.state);
  const cancellable = !isFinalState(job.state) && job.cancelRequestedAt === null;
  const runnableNow = DUE_STATES.includes(job.state) && job.cancelRequestedAt === null;
  return html`${runnableNow ? html`<form class="inline" method="post" action="${runNowPath(job.id)}"><button type="submit" class="primary" data-run-now>Run now</button></form>` : EMPTY}
${retryable ? html`<form class="inline" method="post" action="${`${jobPagePath(job.id)}/retry`}"><button type="submit" class="primary">Retry now</button></form>` : EMPTY}
${cancellable ? html`<form class="inline" method="post" action="${`${jobPagePath(job.id)}/cancel`}"><button type="submit" class="danger">Cancel</button></form>` : EMPTY}`;
}

/**
 * Copy the input as JSON (the tools script reads it from the page), or open the new-job form filled
 * with it: only for a task the server knows, as only those can have their input checked.
 */
function inputButtons(job: Job, taskKnown: boolean): Html {
  const copy = taskKnown ? html` <a class="button" href="${enqueueCopyPath(job.id)}" data-enqueue-copy>Enqueue a copy</a>` : EMPTY;
  return html`<span class="actions"><button type="button" data-copy-from="[data-job-input]">Copy input</button>${copy}</span>`;
}

function facts(job: Job, now: Date): Html {
  const row = (label: string, value: Html | string | number) => html`<dt>${label}</dt><dd>${value}</dd>`;
  const link = (id: string | null) => (id === null ? html`<span class="muted">—</span>` : html`<a href="${jobPagePath(id)}">#${id}</a>`);
  return html`<dl class="facts">
${row('State', stateBadge(job.state))}
${row('Attempt', `${job.attempt} of ${job.maxAttempts}`)}
${row('Priority', job.priority)}
${row('Run at', timeExact(job.runAt))}
${row('Created', html`${timeExact(job.createdAt)} <span class="muted">(${timeAgo(job.createdAt, now)})</span>`)}
${row('Started', timeExact(job.startedAt))}
${row('Finished', timeExact(job.finishedAt))}
${leaseRows(job, now)}
${job.dedupKey === null ? EMPTY : row('Dedup key', html`<code>${job.dedupKey}</code>`)}
${job.concurrencyKey === null ? EMPTY : row('Concurrency key', html`<code>${job.concurrencyKey}</code>`)}
${job.flowId === null ? EMPTY : row('Flow', link(job.flowId))}
${job.parentId === null ? EMPTY : row('Parent', link(job.parentId))}
${job.cancelRequestedAt === null ? EMPTY : row('Cancel requested', timeExact(job.cancelRequestedAt))}
</dl>`;
}

/** Who holds the job now (while running), or which worker ran it last. */
function leaseRows(job: Job, now: Date): Html {
  if (job.state !== 'running') {
    return job.workerId === null ? EMPTY : html`<dt>Last worker</dt><dd><code>${job.workerId}</code></dd>`;
  }
  const expires = job.leaseExpiresAt === null ? html`<span class="muted">—</span>` : html`${timeExact(job.leaseExpiresAt)} <span class="muted">(${timeAgo(job.leaseExpiresAt, now)})</span>`;
  return html`<dt>Lease owner</dt><dd><code data-lease-owner>${job.workerId ?? 'none'}</code></dd><dt>Lease expires</dt><dd>${expires}</dd>`;
}

function timeline(job: Job, steps: readonly StepRecord[], now: Date): Html {
  return html`<ol class="timeline">${jobTimeline(job, steps).map((entry) => {
    const { title, detail } = describe(entry);
    return html`<li class="${timelineClass(entry)}">${title}<span class="when">${timeExact(entry.at)} · ${timeAgo(entry.at, now)}</span>${detail === null ? EMPTY : html`<div class="message">${detail}</div>`}</li>`;
  })}</ol>`;
}

function timelineClass(entry: TimelineEntry): string {
  if (entry.kind === 'attempt-failed') return 'tl-failed';
  if (entry.kind === 'attempt-started') return 'tl-running';
  if (entry.kind === 'finished') return `tl-${entry.state}`;
  return 'tl-other';
}

/** An entry's headline, and what it says below the time (an error message). */
function describe(entry: TimelineEntry): { title: Html; detail: Html | null } {
  const title = (text: Html | string) => ({ title: html`<strong>${text}</strong>`, detail: null });
  switch (entry.kind) {
    case 'enqueued':
      return entry.runAt === null ? title('Enqueued') : { title: html`<strong>Enqueued</strong> to run at ${timeExact(entry.runAt)}`, detail: null };
    case 'attempt-started':
      return { title: html`<strong>Attempt ${entry.attempt} started</strong>${entry.workerId === null ? EMPTY : html` on worker <code>${entry.workerId}</code>`}`, detail: null };
    case 'attempt-failed':
      return { title: html`<strong>Attempt ${entry.error.attempt} failed</strong>`, detail: html`${errorType(entry.error.stack)}: ${entry.error.message}` };
    case 'retry-due':
      return title(`Attempt ${entry.attempt} due (retry after backoff)`);
    case 'cancel-requested':
      return title('Cancel requested');
    case 'finished':
      return title(entry.state === 'succeeded' ? 'Succeeded' : entry.state === 'dead' ? 'Dead: no attempts left' : 'Cancelled');
    case 'slept':
      return { title: html`<strong>Left the worker to sleep</strong> in step <code>${entry.step}</code>${entry.until === null ? EMPTY : html` until ${timeExact(entry.until)}`}`, detail: null };
    case 'waited':
      return {
        title: html`<strong>Left the worker to wait</strong> for <code>${entry.event ?? 'an event'}</code> in step <code>${entry.step}</code>${entry.until === null ? EMPTY : html` (until ${timeExact(entry.until)})`}`,
        detail: null,
      };
  }
}

function errorsSection(job: Job): Html {
  if (job.errors.length === 0) return EMPTY;
  const newestFirst = [...job.errors].reverse();
  return html`<section class="panel"><h2>Errors (${job.errors.length})</h2>
${newestFirst.map(
  (error, index) => html`<div class="attempt-error" data-attempt="${error.attempt}">
<div><strong>Attempt ${error.attempt}</strong> <span class="muted">· ${timeExact(error.at)}</span></div>
<div class="message"><code>${errorType(error.stack)}</code> ${error.message}</div>
${error.stack === null ? html`<div class="muted">No stack recorded.</div>` : html`<details id="stack-${error.attempt}"${index === 0 ? html` open` : EMPTY}><summary>Stack</summary><pre class="stack" data-stack>${error.stack}</pre></details>`}
</div>`,
)}
</section>`;
}
