/**
 * Jobs and their states. The state machine is drawn in `docs/state-machine.md`;
 * `JOB_TRANSITIONS` below is the same machine as data, and the store conformance
 * suite checks every store against it.
 */

/** Every state a job can be in. */
export const JOB_STATES = [
  'waiting',
  'scheduled',
  'queued',
  'running',
  'succeeded',
  'failed',
  'dead',
  'cancelled',
] as const;

export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves (except through an explicit `retry`). */
export const FINAL_STATES: readonly JobState[] = ['succeeded', 'dead', 'cancelled'];

/** States `retry` queues a job again from. */
export const RETRYABLE_STATES = ['failed', 'dead', 'cancelled', 'succeeded'] as const satisfies readonly JobState[];

/** States of a job that still has work ahead of it. A dedup key is unique among these (flow jobs carry none). */
export const UNFINISHED_STATES: readonly JobState[] = ['waiting', 'scheduled', 'queued', 'running', 'failed'];

/** Unfinished states a dedup key is held in: all but `waiting`, since flow jobs (the only waiting ones) carry no dedup key. */
export const DEDUP_KEY_STATES: readonly JobState[] = UNFINISHED_STATES.filter((state) => state !== 'waiting');

/** Unfinished states a cancel ends at once; a running job is only asked to stop. */
export const CANCEL_AT_ONCE_STATES: readonly JobState[] = UNFINISHED_STATES.filter((state) => state !== 'running');

/** States a job leaves for `queued` once its `runAt` has come (maintenance promotes them). */
export const DUE_STATES: readonly JobState[] = ['scheduled', 'failed'];

/** Final states in which a child fails a parent whose `onChildFailure` is 'fail'. */
export const CHILD_FAILURE_STATES: readonly JobState[] = ['dead', 'cancelled'];

/** Whether a job in this state will not run again by itself. */
export function isFinalState(state: JobState): boolean {
  return FINAL_STATES.includes(state);
}

/** The transitions the engine makes, and why. Anything not listed is not allowed. */
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  /** A flow job waiting for its children: released when all are finished, or dead when one failed it. */
  waiting: ['queued', 'scheduled', 'dead', 'cancelled'],
  scheduled: ['queued', 'cancelled'],
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'dead', 'cancelled', 'queued', 'scheduled'],
  failed: ['queued', 'cancelled'],
  // Retrying a job with children makes it wait for them again (it is settled at once if they are finished).
  succeeded: ['queued', 'waiting'],
  dead: ['queued', 'waiting'],
  cancelled: ['queued', 'waiting'],
};

/** What a flow job does when one of its children ends dead or cancelled: end dead itself, naming the child, or run with the results there are. */
export type ChildFailurePolicy = 'fail' | 'continue';

/** Why a worker aborted a handler through its signal. */
export type AbortReason = 'timeout' | 'cancel' | 'shutdown' | 'lease-lost';

/** The error one attempt ended with. */
export interface JobAttemptError {
  attempt: number;
  message: string;
  stack: string | null;
  at: Date;
}

/** The latest progress a handler reported. */
export interface JobProgress {
  /** 0 to 1. */
  fraction: number;
  message: string | null;
}

/** One run request of a task, as the store holds it. */
export interface Job<TInput = unknown, TResult = unknown> {
  id: string;
  task: string;
  queue: string;
  input: TInput;
  state: JobState;
  /** Higher runs first. @default 0 */
  priority: number;
  /** When the job becomes (or became) eligible to run. */
  runAt: Date;
  /** Attempts counted so far, the running one included; a released or snoozed run gives its count back. */
  attempt: number;
  maxAttempts: number;
  dedupKey: string | null;
  /** The flow this job belongs to (the id of the flow's root job); null outside a flow. */
  flowId: string | null;
  /** The flow job that waits for this one; null for a flow's root and outside a flow. */
  parentId: string | null;
  /** For a job with children: what it does when one ends dead or cancelled. 'fail' for every other job. */
  onChildFailure: ChildFailurePolicy;
  /** Whether the job waits for children of its own (a flow job with children): their outcomes are its `ctx.children`. */
  hasChildren: boolean;
  /** What its queue's per-key concurrency limit counts it under (the task's `concurrencyKey(input)`); null = no key. */
  concurrencyKey: string | null;
  /**
   * The OpenTelemetry context of the span that enqueued the job (W3C `traceparent`, see
   * `src/tracing/carrier.ts`), so each attempt's span continues that trace; null when the enqueuing
   * app had no tracing SDK set up.
   */
  traceContext: string | null;
  progress: JobProgress | null;
  result: TResult | null;
  /** One entry per failed attempt, oldest first. */
  errors: JobAttemptError[];
  /** The worker holding the lease while running. */
  workerId: string | null;
  leaseExpiresAt: Date | null;
  cancelRequestedAt: Date | null;
  createdAt: Date;
  /** When the latest attempt started. */
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}
