/**
 * The frame every dashboard page shares: head, navigation, live-status light, logout button, the
 * notice left by the last action, and the live region (`#live`) the script refreshes. A request with
 * `X-Conveyor-Partial: live` gets the live region's contents alone, rendered by the same code.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { JOB_TOOLS_SCRIPT_URL, SCRIPT_URL, STYLESHEET_URL } from './assets/asset-routes.js';
import { takeFlash, type Flash } from './cookies.js';
import { EMPTY, html, type Html } from './html.js';
import { FAILURES_PAGE_PATH, JOBS_PAGE_PATH, LOGOUT_PATH, OVERVIEW_PATH, QUEUES_PAGE_PATH, SCHEDULES_PAGE_PATH, WORKERS_PAGE_PATH } from './paths.js';

export const PARTIAL_HEADER = 'X-Conveyor-Partial';

export type NavSection = 'overview' | 'jobs' | 'queues' | 'schedules' | 'failures' | 'workers';

export interface PageLiveness {
  /** The `GET /events` URL with this page's filters; the script refreshes the page on its events. */
  eventsUrl: string;
  /** At most one refresh per this many ms. @default 1000 */
  refreshMs?: number;
  /** Refresh this often even without events (0: only on events). @default 0 */
  pollMs?: number;
}

export interface Page {
  title: string;
  section: NavSection;
  /** Above the live region: headings, filter forms (kept while the region is refreshed). */
  head?: Html;
  /** The part that changes: re-rendered on refresh. */
  live: Html;
  /** Below the live region and kept while it is refreshed: forms a user may be typing in. */
  foot?: Html;
  liveness?: PageLiveness;
  /** HTTP status of the page. @default 200 */
  status?: ContentfulStatusCode;
}

const NAV: Array<{ section: NavSection; label: string; href: string }> = [
  { section: 'overview', label: 'Overview', href: OVERVIEW_PATH },
  { section: 'jobs', label: 'Jobs', href: JOBS_PAGE_PATH },
  { section: 'queues', label: 'Queues', href: QUEUES_PAGE_PATH },
  { section: 'schedules', label: 'Schedules', href: SCHEDULES_PAGE_PATH },
  { section: 'failures', label: 'Failure groups', href: FAILURES_PAGE_PATH },
  { section: 'workers', label: 'Workers', href: WORKERS_PAGE_PATH },
];

/** Whether the live script asks for the live region alone: a handler can skip loading what only the rest shows. */
export function isLivePartialRequest(c: Context): boolean {
  return c.req.header(PARTIAL_HEADER) === 'live';
}

/** Answer with the page, or with its live region alone when the live script asks for it. */
export function respondWithPage(c: Context, page: Page): Response {
  c.header('Vary', PARTIAL_HEADER);
  if (isLivePartialRequest(c)) return c.html(page.live, page.status ?? 200);
  return c.html(renderPage(page, takeFlash(c)), page.status ?? 200);
}

function renderPage(page: Page, flash: Flash | null): Html {
  const liveness = page.liveness;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · Conveyor</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLESHEET_URL}">
<script src="${SCRIPT_URL}" defer></script>
<script src="${JOB_TOOLS_SCRIPT_URL}" defer></script>
</head>
<body data-events="${liveness?.eventsUrl ?? ''}" data-refresh-ms="${liveness?.refreshMs ?? 1000}" data-poll-ms="${liveness?.pollMs ?? 0}">
<header class="topbar">
  <div class="brand">Conveyor <span>dashboard</span></div>
  <nav>${NAV.map((item) => html`<a href="${item.href}"${item.section === page.section ? html` class="active" aria-current="page"` : EMPTY}>${item.label}</a>`)}</nav>
  <span class="live-status" data-live-status="off">${liveness === undefined ? 'Static page' : 'Not live'}</span>
  <form method="post" action="${LOGOUT_PATH}"><button type="submit">Log out</button></form>
</header>
<main class="page">
${flash === null ? EMPTY : html`<div class="flash ${flash.kind}" role="status">${flash.text}${flash.link === undefined ? EMPTY : html` <input class="copy-link" type="text" readonly value="${flash.link}" data-copy-link aria-label="Link">`}</div>`}
${page.head ?? EMPTY}
<div id="live">${page.live}</div>
${page.foot ?? EMPTY}
</main>
</body>
</html>`;
}

/** A page body saying what is missing, e.g. a job id that does not exist. */
export function notFoundPage(section: NavSection, title: string, message: string): Page {
  return { title, section, status: 404, live: html`<h1>${title}</h1><div class="panel empty">${message}</div>` };
}
