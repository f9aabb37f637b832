/**
 * The job page's Steps section: the job's durable steps (`ctx.step`, sleeps, waits) in the order they
 * started, one row each with its kind, status, the attempt that last wrote it, when it started and
 * how long it took, drawn as a bar within the span of all the job's steps. A sleep says until when,
 * a wait which event it waits for, and a failed step its error. Bars are sized by SVG attributes, so
 * the Content-Security-Policy needs no inline styles.
 */
import { errorType } from '../../store/error-fingerprint.js';
import type { StepRecord } from '../../store/store-records.js';
import { formatDuration, timeAgo, timeExact } from '../format.js';
import { EMPTY, html, type Html } from '../html.js';

const BAR_WIDTH = 160;
const BAR_HEIGHT = 10;

export function stepsSection(steps: readonly StepRecord[], now: Date): Html {
  if (steps.length === 0) return html`<section class="panel" data-steps><h2>Steps</h2><div class="empty" data-steps-empty>This job ran no durable steps.</div></section>`;
  const span = stepsSpan(steps, now);
  const rows = steps.map(
    (step) => html`<tr data-step="${step.name}" data-step-status="${step.status}">
<td><code>${step.name}</code>${stepDetail(step, now)}</td>
<td>${step.kind}</td>
<td>${stepBadge(step)}</td>
<td class="num">${step.attempt}</td>
<td>${timeExact(step.startedAt)} <span class="muted">(${timeAgo(step.startedAt, now)})</span></td>
<td class="duration">${durationBar(step, span, now)} <span data-step-duration>${formatDuration(stepEnd(step, now).getTime() - step.startedAt.getTime())}${step.finishedAt === null ? ' so far' : ''}</span></td>
</tr>`,
  );
  return html`<section class="panel" data-steps><h2>Steps (${steps.length})</h2>
<table class="steps"><thead><tr><th>Step</th><th>Kind</th><th>Status</th><th class="num">Attempt</th><th>Started</th><th>Duration</th></tr></thead>
<tbody>${rows}</tbody></table>
</section>`;
}

/** A step's status as a badge; not `data-job-state`, which the live script rewrites with the job's. */
function stepBadge(step: StepRecord): Html {
  return html`<span class="state step-${step.status}">${step.status}</span>`;
}

/** What a row says under the step's name: until when it sleeps, what it waits for, why it failed. */
function stepDetail(step: StepRecord, now: Date): Html {
  const at = (date: Date) => html`${timeExact(date)} <span class="muted">(${timeAgo(date, now)})</span>`;
  if (step.status === 'failed' && step.error !== null) {
    return html`<div class="step-detail message" data-step-error><code>${errorType(step.error.stack)}</code> ${step.error.message}</div>`;
  }
  if (step.kind === 'sleep' && step.until !== null) return html`<div class="step-detail">until ${at(step.until)}</div>`;
  if (step.kind === 'wait' && step.event !== null) {
    const verb = step.status === 'waiting' ? 'waiting for' : 'waited for';
    const match = step.match === null ? EMPTY : html` (match <code>${step.match}</code>)`;
    return html`<div class="step-detail">${verb} <code>${step.event}</code>${match}${step.until === null ? EMPTY : html` until ${at(step.until)}`}</div>`;
  }
  return EMPTY;
}

/** Where an unfinished step's bar ends: now (a sleep or wait still going, a step whose attempt was lost). */
function stepEnd(step: StepRecord, now: Date): Date {
  return step.finishedAt ?? (now.getTime() > step.startedAt.getTime() ? now : step.startedAt);
}

interface Span {
  from: number;
  ms: number;
}

/** From the first step's start to the last step's end. */
function stepsSpan(steps: readonly StepRecord[], now: Date): Span {
  const from = Math.min(...steps.map((step) => step.startedAt.getTime()));
  const to = Math.max(...steps.map((step) => stepEnd(step, now).getTime()));
  return { from, ms: Math.max(1, to - from) };
}

/** The step's stretch of the span; a step too short to see still shows as a 2-pixel mark. */
function durationBar(step: StepRecord, span: Span, now: Date): Html {
  const start = ((step.startedAt.getTime() - span.from) / span.ms) * BAR_WIDTH;
  const width = Math.max(2, ((stepEnd(step, now).getTime() - step.startedAt.getTime()) / span.ms) * BAR_WIDTH);
  const x = Math.min(start, BAR_WIDTH - 2);
  return html`<svg class="step-bar" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" viewBox="0 0 ${BAR_WIDTH} ${BAR_HEIGHT}" aria-hidden="true"><rect class="track" x="0" y="0" width="${BAR_WIDTH}" height="${BAR_HEIGHT}"></rect><rect class="bar step-${step.status}" x="${x.toFixed(1)}" y="0" width="${Math.min(width, BAR_WIDTH - x).toFixed(1)}" height="${BAR_HEIGHT}"></rect></svg>`;
}
