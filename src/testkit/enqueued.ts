/**
 * Reading what a test enqueued: `enqueued(task?)` lists unfinished jobs, and `expectEnqueued` asserts
 * one matches. Assertions throw a plain `Error` whose message lists what is enqueued, so they work in
 * vitest, jest or node:test alike.
 */
import { UNFINISHED_STATES, type Job } from '../job.js';
import type { Store } from '../store/store.js';
import type { Task, TaskInput } from '../task.js';
import { RUN_TASK_QUEUE } from './run-task.js';

/**
 * What `expectEnqueued` looks for in a job's input: an object whose fields the input must have
 * (deep, partially: `{ user: { id: 7 } }` matches `{ user: { id: 7, name: 'Ada' }, lang: 'en' }`),
 * or a predicate given the input and the job.
 */
export type EnqueuedMatcher<T extends Task = Task> = DeepPartial<TaskInput<T>> | ((input: TaskInput<T>, job: Job<TaskInput<T>>) => boolean);

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** How many jobs a listing reads; a unit test holds far fewer. */
const LIST_LIMIT = 1000;

/** Unfinished jobs (waiting, scheduled, queued, running, failed) of `task`, or of every task, oldest first. */
export async function listEnqueued(store: Store, task?: Task | string): Promise<Job[]> {
  const name = typeof task === 'string' ? task : task?.name;
  const page = await store.jobs.list({ filter: { states: [...UNFINISHED_STATES], ...(name === undefined ? {} : { task: name }) }, cursor: null, limit: LIST_LIMIT });
  return page.jobs.filter((job) => job.queue !== RUN_TASK_QUEUE).reverse();
}

/** The first unfinished job of `task` that `matcher` matches; throws an Error listing the task's unfinished jobs when none does. */
export async function expectEnqueuedIn<T extends Task>(store: Store, task: T, matcher?: EnqueuedMatcher<T>): Promise<Job<TaskInput<T>>> {
  const jobs = (await listEnqueued(store, task)) as Array<Job<TaskInput<T>>>;
  const found = jobs.find((job) => matches(job, matcher));
  if (found !== undefined) return found;
  const wanted = matcher === undefined ? '' : isPredicate(matcher) ? ` matching ${matcher.name === '' ? 'the predicate' : `predicate ${matcher.name}`}` : ` with input matching ${json(matcher)}`;
  const listing = jobs.length === 0 ? 'none is' : `${jobs.length} ${jobs.length === 1 ? 'is' : 'are'}:\n${jobs.map(describe).join('\n')}`;
  throw new Error(`expectEnqueued: no unfinished "${task.name}" job${wanted}. Of that task, ${listing}`);
}

function matches<T extends Task>(job: Job<TaskInput<T>>, matcher: EnqueuedMatcher<T> | undefined): boolean {
  if (matcher === undefined) return true;
  if (isPredicate(matcher)) return matcher(job.input, job);
  return isSubset(matcher, job.input);
}

function isPredicate<T extends Task>(matcher: EnqueuedMatcher<T>): matcher is (input: TaskInput<T>, job: Job<TaskInput<T>>) => boolean {
  return typeof matcher === 'function';
}

/** Whether every field of `expected` is in `actual` with a matching value (arrays must match whole). */
export function isSubset(expected: unknown, actual: unknown): boolean {
  if (Object.is(expected, actual)) return true;
  if (expected instanceof Date) return actual instanceof Date ? expected.getTime() === actual.getTime() : actual === expected.toISOString();
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null) return false;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.length === actual.length && expected.every((item, index) => isSubset(item, actual[index]));
  }
  return Object.entries(expected).every(([key, value]) => Object.hasOwn(actual, key) && isSubset(value, (actual as Record<string, unknown>)[key]));
}

function describe(job: Job): string {
  return `  - ${job.id} (${job.state}, run at ${job.runAt.toISOString()}): ${json(job.input)}`;
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
