/**
 * How the dashboard writes values: times in UTC with how long ago, JSON pretty-printed, long text
 * cut, and a job's state as a coloured badge the live script can update.
 */
import type { JobState } from '../job.js';
import { html, type Html } from './html.js';

/** `2026-01-02 13:04:05 UTC`. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `5 s ago`, `3 min ago`, `in 2 h`, `4 d ago`. */
export function formatAgo(date: Date, now: Date = new Date()): string {
  const deltaMs = now.getTime() - date.getTime();
  const seconds = Math.round(Math.abs(deltaMs) / 1000);
  const amount =
    seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.round(seconds / 60)} min` : seconds < 86_400 ? `${Math.round(seconds / 3600)} h` : `${Math.round(seconds / 86_400)} d`;
  return deltaMs >= 0 ? `${amount} ago` : `in ${amount}`;
}

/** A `<time>` showing how long ago, with the exact UTC time on hover. */
export function timeAgo(date: Date | null, now: Date = new Date()): Html {
  if (date === null) return html`<span class="muted">—</span>`;
  return html`<time datetime="${date.toISOString()}" title="${formatUtc(date)}">${formatAgo(date, now)}</time>`;
}

/** A `<time>` showing the exact UTC time. */
export function timeExact(date: Date | null): Html {
  if (date === null) return html`<span class="muted">—</span>`;
  return html`<time datetime="${date.toISOString()}">${formatUtc(date)}</time>`;
}

/** `840 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

/** JSON, indented; values JSON cannot hold are shown as their string form. */
export function formatJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** At most `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A state badge; `data-job-state` lets the live script change it in place. */
export function stateBadge(state: JobState): Html {
  return html`<span class="state state-${state}" data-job-state>${state}</span>`;
}

/** A count, with thousands separators, or a muted dash for zero. */
export function count(value: number): Html {
  return value === 0 ? html`<span class="muted">0</span>` : html`${value.toLocaleString('en-US')}`;
}

/** `1 job`, `3 jobs`. */
export function plural(value: number, one: string, many: string = `${one}s`): string {
  return `${value.toLocaleString('en-US')} ${value === 1 ? one : many}`;
}
