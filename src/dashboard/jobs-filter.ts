/**
 * The jobs page's filter, read from its query string: `state` (one, or several joined by commas:
 * `failed,dead`), `queue`, `task`, `after` and `before` (creation time, as the browser's
 * `datetime-local` fields send it, read as UTC), `q` (text in the input or an error message) and
 * `cursor`. A value that cannot be used is dropped and named
 * in `problems`, so the page still lists jobs and says what it ignored.
 */
import { z } from 'zod';
import { JOB_STATES, type JobState } from '../job.js';
import type { JobListFilter } from '../store/store.js';
import { parseJobId } from '../store/encoding.js';
import { MAX_SEARCH_LENGTH } from '../insights/job-search.js';
import { JOBS_PAGE_PATH } from './paths.js';

export interface JobsQuery {
  /** One state, or several (a job in any of them matches). */
  state?: JobState | readonly JobState[];
  queue?: string;
  task?: string;
  /** As typed: `2026-01-02T13:04` (UTC). */
  after?: string;
  before?: string;
  q?: string;
  cursor?: string;
}

export interface ParsedJobsQuery {
  query: JobsQuery;
  filter: JobListFilter;
  cursor: string | null;
  problems: string[];
}

const NAME_MAX = 128;

export function parseJobsQuery(params: Record<string, string | undefined>): ParsedJobsQuery {
  const query: JobsQuery = {};
  const filter: JobListFilter = {};
  const problems: string[] = [];
  const text = (name: string) => {
    const value = params[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const state = text('state');
  if (state !== undefined) {
    const states = [...new Set(state.split(',').map((part) => part.trim()))];
    if (states.every(isJobState)) {
      query.state = states.length === 1 ? states[0] : states;
      filter.states = states;
    } else problems.push(`Ignored state "${state.slice(0, 40)}": states are ${JOB_STATES.join(', ')}, one or several joined by commas.`);
  }
  for (const name of ['queue', 'task'] as const) {
    const value = text(name);
    if (value === undefined) continue;
    if (value.length > NAME_MAX) problems.push(`Ignored ${name}: longer than ${NAME_MAX} characters.`);
    else query[name] = filter[name] = value;
  }
  for (const [name, bound] of [['after', 'createdAfter'], ['before', 'createdBefore']] as const) {
    const value = text(name);
    if (value === undefined) continue;
    const date = parseUtcDateTime(value);
    if (date === null) problems.push(`Ignored ${name} "${value.slice(0, 40)}": write a time like 2026-01-02T13:04 (UTC).`);
    else {
      query[name] = value;
      filter[bound] = date;
    }
  }
  const q = text('q');
  if (q !== undefined) {
    if (q.length > MAX_SEARCH_LENGTH) problems.push(`Ignored the search text: longer than ${MAX_SEARCH_LENGTH} characters.`);
    else query.q = filter.text = q;
  }
  const cursor = text('cursor');
  let validCursor: string | null = null;
  if (cursor !== undefined) {
    if (parseJobId(cursor) === null) problems.push('Ignored the page cursor: it is not one this page gave; showing the first page.');
    else validCursor = query.cursor = cursor;
  }
  return { query, filter, cursor: validCursor, problems };
}

/** A date, or a date and time with or without seconds and zone: calendar-checked by zod (no 30 February). */
const DATE_TIME = z.union([z.iso.date(), z.iso.datetime({ local: true, offset: true })]);

/** `2026-01-02T13:04`, `2026-01-02T13:04:05`, or with a zone (`Z`, `+02:00`); without one, UTC. */
export function parseUtcDateTime(value: string): Date | null {
  if (!DATE_TIME.safeParse(value).success) return null;
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  return new Date(value.includes('T') ? (hasZone ? value : `${value}Z`) : `${value}T00:00:00Z`);
}

function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}

/** The query string of a jobs page (leading `?`, or empty), with some fields replaced. */
export function jobsQueryString(query: JobsQuery, changes: Partial<Record<keyof JobsQuery, string | undefined>> = {}): string {
  const merged: Record<string, string | readonly string[] | undefined> = { ...query, ...changes };
  const params = new URLSearchParams();
  for (const key of ['state', 'queue', 'task', 'after', 'before', 'q', 'cursor'] as const) {
    const value = merged[key];
    const text = typeof value === 'string' ? value : value?.join(',');
    if (text !== undefined && text !== '') params.set(key, text);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The jobs page showing `query`, with some fields replaced: every link to the jobs page is built here.
 *
 * @example
 * jobsPagePath({ queue: 'mail', state: ['failed', 'dead'] }); // '/dashboard/jobs?state=failed%2Cdead&queue=mail'
 */
export function jobsPagePath(query: JobsQuery = {}, changes: Partial<Record<keyof JobsQuery, string | undefined>> = {}): string {
  return `${JOBS_PAGE_PATH}${jobsQueryString(query, changes)}`;
}
