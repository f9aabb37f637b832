/**
 * Builders and fixed clock values shared by the conformance tests. The store takes `now` on every
 * call, so tests never read the real clock and never sleep.
 */
import { expect } from 'vitest';
import type { Job, JobAttemptError, JobState } from '../../job.js';
import {
  type AttemptRef,
  jobCancelled,
  jobDead,
  jobFailed,
  jobReleased,
  jobSnoozed,
  jobSucceeded,
} from '../../store/state-updates.js';
import type { FlowJobInsert, JobInsert, JobStateUpdate, Store } from '../../store/store.js';

/** The suite's epoch: every time in a test is `at(seconds)` after it. */
export const t0 = new Date('2026-01-01T00:00:00Z');

export function at(seconds: number): Date {
  return new Date(t0.getTime() + seconds * 1000);
}

export const WORKER_A = 'worker-a';
export const WORKER_B = 'worker-b';

/** A job to insert: runs now on the default queue, three attempts, no dedup key. */
export function jobInsert(overrides: Partial<JobInsert> = {}): JobInsert {
  return {
    task: 'conformance.task',
    queue: 'default',
    input: { n: 1 },
    priority: 0,
    runAt: t0,
    maxAttempts: 3,
    dedupKey: null,
    concurrencyKey: null,
    traceContext: null,
    ...overrides,
  };
}

/** Insert one job at `now` (default `t0`); `runAt` defaults to `now`. */
export async function insertJob(store: Store, overrides: Partial<JobInsert> & { now?: Date } = {}): Promise<Job> {
  const { now = t0, ...fields } = overrides;
  const results = await store.jobs.insertMany({ jobs: [jobInsert({ runAt: now, ...fields })], now });
  const result = single(results, 'jobs.insertMany results');
  expect(result.duplicate).toBe(false);
  return result.job;
}

/** The job as the store holds it now; fails the test when it is gone. */
export async function getJob(store: Store, id: string): Promise<Job> {
  const job = await store.jobs.get({ id });
  if (job === null) throw new Error(`jobs.get returned null for job ${id}, which the test expected to exist.`);
  return job;
}

/**
 * Claim exactly this job (by its task and queue) and fail the test when the store claims another
 * one or none. Callers make sure no other queued job of that task and queue would come first.
 */
export async function claimJob(
  store: Store,
  job: Pick<Job, 'id' | 'task' | 'queue'>,
  options: { workerId?: string; now?: Date; leaseExpiresAt?: Date } = {},
): Promise<Job> {
  const { workerId = WORKER_A, now = at(1), leaseExpiresAt = new Date(now.getTime() + 60_000) } = options;
  const claimed = await store.jobs.claim({ queues: [job.queue], tasks: [job.task], workerId, limit: 1, now, leaseExpiresAt });
  expect(claimed.map((j) => j.id), `claiming job ${job.id}`).toEqual([job.id]);
  return single(claimed, 'claimed jobs');
}

/** The lease a running job is held under, for building state updates. */
export function attemptRef(job: Job): AttemptRef {
  if (job.workerId === null) throw new Error(`Job ${job.id} has no workerId; is it running? (state ${job.state})`);
  return { id: job.id, attempt: job.attempt, workerId: job.workerId };
}

export function attemptError(attempt: number, message: string, when: Date): JobAttemptError {
  return { attempt, message, stack: `Error: ${message}\n    at handler (task.ts:10:5)`, at: when };
}

/** Apply one update and return whether the store applied it. */
export async function applyUpdate(store: Store, update: JobStateUpdate): Promise<boolean> {
  const results = await store.jobs.setStateIfRunningMany({ updates: [update] });
  const result = single(results, 'jobs.setStateIfRunningMany results');
  expect(result.id).toBe(update.id);
  return result.applied;
}

/**
 * A job brought to `state` along the shortest path: inserted at `t0`, claimed at `at(1)` by
 * `workerId` (lease until `at(61)`), finished at `finishedAt` (default `at(2)`). A failed job retries
 * at `retryAt` (default `at(3600)`); a scheduled one runs at `at(3600)` unless `runAt` says otherwise.
 */
export async function jobInState(
  store: Store,
  state: JobState,
  overrides: Partial<JobInsert> = {},
  options: { workerId?: string; finishedAt?: Date; retryAt?: Date } = {},
): Promise<Job> {
  const { workerId = WORKER_A, finishedAt = at(2), retryAt = at(3600) } = options;
  if (state === 'scheduled') return insertJob(store, { runAt: at(3600), ...overrides, now: t0 });
  const queued = await insertJob(store, { ...overrides, runAt: overrides.runAt ?? t0, now: t0 });
  if (state === 'queued') return queued;
  if (state === 'cancelled') {
    await store.jobs.cancel({ id: queued.id, now: finishedAt });
    return expectState(store, queued.id, 'cancelled');
  }
  const running = await claimJob(store, queued, { workerId, now: at(1), leaseExpiresAt: at(61) });
  const ref = attemptRef(running);
  const error = attemptError(running.attempt, `attempt ${running.attempt} failed`, finishedAt);
  const finish: Partial<Record<JobState, JobStateUpdate>> = {
    succeeded: jobSucceeded(ref, finishedAt, { ok: true }),
    failed: jobFailed(ref, finishedAt, error, retryAt),
    dead: jobDead(ref, finishedAt, error),
  };
  const update = finish[state];
  if (state !== 'running') {
    if (update === undefined) throw new Error(`jobInState cannot build a job in state ${state}.`);
    expect(await applyUpdate(store, update), `finishing job ${running.id} as ${state}`).toBe(true);
  }
  return expectState(store, running.id, state);
}

/**
 * Insert a flow at `now` (default `t0`). Each entry overrides the defaults of its job: task
 * `flow.<index>` (so `claimJob` can pick any one job), `runAt` = `now`, `parentIndex` 0 (the root's
 * child) except for the root, and `onChildFailure` 'fail'. Returns the jobs in the order given.
 */
export async function insertFlow<const Spec extends ReadonlyArray<Partial<FlowJobInsert>>>(
  store: Store,
  spec: Spec,
  options: { now?: Date } = {},
): Promise<{ -readonly [K in keyof Spec]: Job }> {
  const { now = t0 } = options;
  const jobs: FlowJobInsert[] = spec.map((overrides, index) => ({
    ...jobInsert({ task: `flow.${index}`, input: { index }, runAt: now }),
    parentIndex: index === 0 ? null : 0,
    onChildFailure: 'fail',
    ...overrides,
  }));
  const inserted = await store.flows.insert({ jobs, now });
  expect(inserted.map((job) => job.task), 'tasks of the jobs flows.insert returned').toEqual(jobs.map((job) => job.task));
  // One job per entry of `spec`, in its order, as just checked.
  return inserted as unknown as { -readonly [K in keyof Spec]: Job };
}

/** How a test ends a running job: each is one `JobStateUpdate` kind. */
export type RunOutcome = 'succeeded' | 'failed' | 'dead' | 'cancelled';

/**
 * Finish a job this test claimed with `outcome` at `when`: the result or error message given (a
 * failed job retries at `retryAt`, default `at(3600)`). Fails the test when the store skips it.
 */
export async function finishClaimed(
  store: Store,
  running: Job,
  outcome: RunOutcome,
  when: Date,
  detail: { result?: unknown; message?: string; retryAt?: Date } = {},
): Promise<void> {
  const ref = attemptRef(running);
  const error = attemptError(running.attempt, detail.message ?? `${running.task} ended ${outcome}`, when);
  const updates: Record<RunOutcome, JobStateUpdate> = {
    succeeded: jobSucceeded(ref, when, detail.result ?? { doneBy: running.task }),
    failed: jobFailed(ref, when, error, detail.retryAt ?? at(3600)),
    dead: jobDead(ref, when, error),
    cancelled: jobCancelled(ref, when, error),
  };
  expect(await applyUpdate(store, updates[outcome]), `finishing job ${running.id} as ${outcome}`).toBe(true);
}

/** Claim exactly this job at `now` (default `at(1)`, see `claimJob`) and finish it with `outcome` at the same time. */
export async function runJob(
  store: Store,
  job: Pick<Job, 'id' | 'task' | 'queue'>,
  outcome: RunOutcome,
  options: { now?: Date; result?: unknown; message?: string; retryAt?: Date } = {},
): Promise<void> {
  const { now = at(1), ...detail } = options;
  const running = await claimJob(store, job, { now });
  await finishClaimed(store, running, outcome, now, detail);
}

/** Read the job and fail the test unless it is in `state`. */
export async function expectState(store: Store, id: string, state: JobState): Promise<Job> {
  const job = await getJob(store, id);
  expect(job.state, `state of job ${id}`).toBe(state);
  return job;
}

/**
 * The id of a job that existed and was pruned: well-formed for the store, but unknown to it. It
 * finished in 2000, so pruning it touches no job a test made at `t0` or later.
 */
export async function unknownJobId(store: Store): Promise<string> {
  const longAgo = new Date('2000-01-01T00:00:00Z');
  const job = await insertJob(store, { task: 'conformance.pruned', now: longAgo });
  await store.jobs.cancel({ id: job.id, now: longAgo });
  const pruned = await store.jobs.pruneFinished({
    succeededBefore: new Date(0),
    deadBefore: new Date(0),
    cancelledBefore: new Date(longAgo.getTime() + 1),
    limit: 1,
  });
  expect(pruned, 'pruning the job used as an unknown id').toBe(1);
  expect(await store.jobs.get({ id: job.id })).toBeNull();
  return job.id;
}

/** One update of every kind for the same attempt, for fencing tests. */
export function everyOutcome(ref: AttemptRef, when: Date): JobStateUpdate[] {
  const error = attemptError(ref.attempt, 'stale worker', when);
  return [
    jobSucceeded(ref, when, { stale: true }),
    jobFailed(ref, when, error, at(3600)),
    jobDead(ref, when, error),
    jobCancelled(ref, when, error),
    jobCancelled(ref, when, null),
    jobReleased(ref, when),
    jobSnoozed(ref, when, at(3600)),
    jobSnoozed(ref, when, when),
  ];
}

/** Orders ids the way "lowest id first" means for the store: numerically for integer ids, else as text. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const difference = BigInt(a) - BigInt(b);
    return difference < 0n ? -1 : difference > 0n ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function single<T>(items: readonly T[], what: string): T {
  const [item] = items;
  if (items.length !== 1 || item === undefined) throw new Error(`Expected exactly one of ${what}, got ${items.length}.`);
  return item;
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`Expected a rejection, but it resolved with ${JSON.stringify(outcome.value)}.`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

export function sortedIds(jobs: ReadonlyArray<{ id: string }>): string[] {
  return jobs.map((job) => job.id).sort(compareIds);
}
