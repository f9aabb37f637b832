/**
 * Where the dashboard lives in the server's URL space. The overview is the root page; every other
 * page sits under `/dashboard/`, apart from the JSON API's own paths (`/jobs`, `/queues`…). The
 * dashboard's mount (`dashboard-routes.ts`) hands the server's auth middleware `isPublicDashboardPath`
 * and `isDashboardPath`, to tell pages (which redirect to the login form) from API routes (which
 * answer 401), and to let the login form and the stylesheet through without a session.
 */

export const OVERVIEW_PATH = '/';
export const LOGIN_PATH = '/login';
export const LOGOUT_PATH = '/logout';
export const DASHBOARD_PREFIX = '/dashboard';
export const ASSETS_PREFIX = '/dashboard/assets/';
export const JOBS_PAGE_PATH = '/dashboard/jobs';
export const FAILURES_PAGE_PATH = '/dashboard/failures';
export const WORKERS_PAGE_PATH = '/dashboard/workers';
export const SCHEDULES_PAGE_PATH = '/dashboard/schedules';
export const QUEUES_PAGE_PATH = '/dashboard/queues';

/** The page of one queue. */
export function queuePagePath(name: string): string {
  return `${QUEUES_PAGE_PATH}/${encodeURIComponent(name)}`;
}

/** A schedule's form action: pause, resume or run now. */
export function scheduleActionPath(name: string, action: 'pause' | 'resume' | 'run'): string {
  return `${SCHEDULES_PAGE_PATH}/${encodeURIComponent(name)}/${action}`;
}

/** The page of one job. */
export function jobPagePath(id: string): string {
  return `${JOBS_PAGE_PATH}/${encodeURIComponent(id)}`;
}

/** The form action that queues a scheduled job, or a failed one waiting out its backoff, now. */
export function runNowPath(id: string): string {
  return `${jobPagePath(id)}/run-now`;
}

/** The new-job form: pick a task, fill in its input (GET), and enqueue it (POST). */
export const ENQUEUE_PAGE_PATH = '/dashboard/enqueue';

/** The new-job form for one task. */
export function enqueueTaskPath(task: string): string {
  return `${ENQUEUE_PAGE_PATH}?task=${encodeURIComponent(task)}`;
}

/** The new-job form filled with a job's task, queue and input, to enqueue an edited copy. */
export function enqueueCopyPath(id: string): string {
  return `${ENQUEUE_PAGE_PATH}?copyOf=${encodeURIComponent(id)}`;
}

/**
 * Where the dashboard streams one artifact to a logged-in session: the page's job, the name
 * percent-encoded, and the attempt that wrote it (a name can be written by several attempts).
 */
export function artifactDownloadPath(jobId: string, name: string, attempt: number): string {
  return `${jobPagePath(jobId)}/artifacts/${encodeURIComponent(name)}?attempt=${attempt}`;
}

/**
 * The form action that makes a signed link to an artifact (answered with the link in a notice). A
 * signed link names no attempt: it downloads the latest attempt's file of that name.
 */
export function artifactLinkPath(jobId: string, name: string): string {
  return `${jobPagePath(jobId)}/artifacts/${encodeURIComponent(name)}/link`;
}

/** Whether a path is a dashboard page or form action (as opposed to the JSON API). */
export function isDashboardPath(path: string): boolean {
  return path === OVERVIEW_PATH || path === DASHBOARD_PREFIX || path.startsWith(`${DASHBOARD_PREFIX}/`);
}

/** Whether a dashboard path needs no session: the login form, logging out, and the static assets. */
export function isPublicDashboardPath(path: string): boolean {
  return path === LOGIN_PATH || path === LOGOUT_PATH || path.startsWith(ASSETS_PREFIX);
}

/**
 * `next` (where to go after logging in) when it is a path on this server, else the overview: a
 * value like `//evil.example` or `https://evil.example` would make the login form an open redirect.
 */
export function safeNextPath(next: string | undefined | null): string {
  if (next === undefined || next === null || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return OVERVIEW_PATH;
  if (/[\u0000-\u001f\u007f]/.test(next)) return OVERVIEW_PATH;
  return next;
}

/** The login form's URL, remembering the page to come back to. */
export function loginPathFor(next: string): string {
  return next === OVERVIEW_PATH ? LOGIN_PATH : `${LOGIN_PATH}?next=${encodeURIComponent(next)}`;
}
