/**
 * The schedules page: every cron schedule in the store with its expression and time zone, the task
 * and queue it enqueues into, whether it is paused, its next and last tick, and the error that last
 * kept it from firing. Buttons pause or resume it, or run it now (see `schedule-routes.ts` for what
 * "run now" enqueues). The store keeps few schedules (one row each, never one per job), so the page
 * reads them all; it reads no job.
 */
import type { ScheduleRecord } from '../../store/store.js';
import { NEVER } from '../../schedule/fire-plan.js';
import { formatUtc, timeAgo } from '../format.js';
import { EMPTY, html, type Html } from '../html.js';
import type { Page } from '../layout.js';
import { jobsPagePath } from '../jobs-filter.js';
import { queuePagePath, scheduleActionPath } from '../paths.js';

export interface SchedulesPageData {
  schedules: ScheduleRecord[];
  now: Date;
}

export function schedulesPage(data: SchedulesPageData): Page {
  return {
    title: 'Schedules',
    section: 'schedules',
    head: html`<h1>Schedules</h1><p class="subtitle">Cron schedules fire once per tick across all workers. "Run now" enqueues the schedule's job at once, as a tick would, and leaves the next tick where it is.</p>`,
    live: schedulesLive(data),
    liveness: { eventsUrl: '/events', refreshMs: 2000, pollMs: 10_000 },
  };
}

function schedulesLive(data: SchedulesPageData): Html {
  if (data.schedules.length === 0) {
    return html`<div class="panel empty">No schedule is stored: pass <code>schedules</code> to a worker (<code>defineSchedule</code>) and it stores them when it starts.</div>`;
  }
  return html`<div class="table-scroll"><table class="schedules">
<thead><tr><th>Schedule</th><th>Cron</th><th>Task</th><th>Queue</th><th>State</th><th>Next run</th><th>Last run</th><th></th></tr></thead>
<tbody>${data.schedules.map((schedule) => scheduleRow(schedule, data.now))}</tbody>
</table></div>`;
}

function scheduleRow(schedule: ScheduleRecord, now: Date): Html {
  const paused = schedule.pausedAt !== null;
  return html`<tr data-schedule="${schedule.name}">
<td><strong>${schedule.name}</strong>${schedule.lastError === null ? EMPTY : html`<div class="warning-note" data-schedule-error title="${formatUtc(schedule.lastError.at)}">Last error (${timeAgo(schedule.lastError.at, now)}): ${schedule.lastError.message}</div>`}</td>
<td><code>${schedule.cron}</code><div class="muted">${schedule.timeZone}</div></td>
<td><a href="${jobsPagePath({ task: schedule.task })}">${schedule.task}</a></td>
<td><a href="${queuePagePath(schedule.queue)}">${schedule.queue}</a></td>
<td>${paused ? html`<span class="state state-paused" data-schedule-state>paused</span>` : html`<span class="state state-live" data-schedule-state>active</span>`}</td>
<td data-next-run>${paused ? html`<span class="muted">paused</span>` : schedule.nextRunAt.getTime() >= NEVER.getTime() ? html`<span class="muted">never</span>` : timeAgo(schedule.nextRunAt, now)}</td>
<td data-last-run>${schedule.lastRunAt === null ? html`<span class="muted">not yet</span>` : html`<a href="${jobsPagePath({ task: schedule.task, queue: schedule.queue })}">${timeAgo(schedule.lastRunAt, now)}</a>`}</td>
<td><div class="actions">
<form class="inline" method="post" action="${scheduleActionPath(schedule.name, paused ? 'resume' : 'pause')}"><button type="submit" data-schedule-toggle${paused ? html` class="primary"` : EMPTY}>${paused ? 'Resume' : 'Pause'}</button></form>
<form class="inline" method="post" action="${scheduleActionPath(schedule.name, 'run')}"><button type="submit" data-schedule-run>Run now</button></form>
</div></td>
</tr>`;
}
