/**
 * What the store keeps besides jobs, as the store's parts return it: migrations, workers and their
 * reports, dashboard sessions, queue controls and schedules. Re-exported by `store.ts`, which holds
 * the jobs and the part interfaces.
 */
import type { JobAttemptError } from '../job.js';
import type { AbortReason, Job } from '../job.js';

/** A migration shipped inside the package. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** sha256 of `sql`, hex. */
  checksum: string;
}

/** A migration the database says it has applied. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export interface MigrationStatus {
  /** Highest version applied to the database; 0 for an empty database. */
  databaseVersion: number;
  /** Highest version this package ships. */
  packageVersion: number;
  /** Versions this package ships that the database has not applied yet. */
  pending: number[];
}

/** A file a job's attempt wrote (`ctx.artifacts.put`), as the store records it; its bytes are in the artifact backend under `blobKey`. */
export interface ArtifactRecord {
  jobId: string;
  attempt: number;
  name: string;
  blobKey: string;
  size: number;
  contentType: string;
  /** Hex SHA-256 of its bytes: its ETag. */
  sha256: string;
  createdAt: Date;
}

export type ArtifactCommitResult = { committed: true; replacedBlobKey: string | null } | { committed: false };

/** What a durable step is: `ctx.step` (run), `ctx.sleep`/`ctx.sleepUntil` (sleep), `ctx.waitForEvent` (wait). */
export type StepKind = 'run' | 'sleep' | 'wait';
/**
 * Where a step stands: a run step `succeeded` (its output kept) or `failed` (its error kept; it runs
 * again on the next attempt); a sleep is `sleeping` until `until`, then `succeeded`; a wait is
 * `waiting` until its event comes (`succeeded`, the payload kept) or its deadline passes (`timed-out`).
 */
export type StepStatus = 'succeeded' | 'failed' | 'sleeping' | 'waiting' | 'timed-out';

/** One step of a job, as the store keeps it, by (jobId, name). */
export interface StepRecord {
  jobId: string;
  name: string;
  kind: StepKind;
  status: StepStatus;
  /** The attempt that last wrote it. */
  attempt: number;
  /** JSON text: a run step's `{ "value": … }` (no key for undefined), a wait's `{ "payload": … }`; null otherwise. */
  output: string | null;
  error: JobAttemptError | null;
  startedAt: Date;
  finishedAt: Date | null;
  /** A sleep's end, a wait's deadline; null for a run step. */
  until: Date | null;
  /** A wait's event name and its match (JSON text of the fields a payload must have); null otherwise. */
  event: string | null;
  match: string | null;
}

/** An event sent with `sendEvent`, as kept for waits that start after it. */
export interface SentEvent {
  seq: string;
  name: string;
  /** JSON text. */
  payload: string;
  sentAt: Date;
}

/** A worker as it records itself in the store. */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  tasks: string[];
  concurrency: number;
  startedAt: Date;
  lastHeartbeatAt: Date;
  /** Handlers still running after their attempt was aborted, as of the latest heartbeat; each holds a slot. */
  handlersIgnoringAbort: HandlerIgnoringAbort[];
  /** What it found of the services its tasks need, as of the latest heartbeat. */
  dependencies: DependencyStatus[];
  /** Each of its tasks with its queue and input schema, to find one task name defined two ways. */
  taskShapes: TaskShape[];
}

/** A task as a worker records it in the registry (see `src/task-shape.ts`). */
export interface TaskShape {
  name: string;
  queue: string;
  /** The input schema as compared across workers, or null when it offers no JSON Schema. */
  input: InputShape | null;
}

export interface InputShape {
  /** 12 hex digits of the SHA-256 of the schema's JSON Schema, keys sorted. */
  fingerprint: string;
  /** Its top-level properties, required ones marked `!` (`userId!`), to say how two shapes differ. */
  fields: string[];
}

/** What a worker found of one dependency (a service a task needs) at its latest check. */
export interface DependencyStatus {
  name: string;
  /** Where the service is (`tcp://clamd:3310`). */
  target: string;
  up: boolean;
  /** When it last went up or down (or was first checked). */
  since: Date;
  /** When the latest check ended. */
  checkedAt: Date;
  /** Why the latest check failed; null while up. */
  lastError: string | null;
  /** This worker's tasks that need it. */
  tasks: string[];
}

/** A handler still running after the worker aborted its attempt: it ignores its AbortSignal. */
export interface HandlerIgnoringAbort {
  jobId: string;
  attempt: number;
  task: string;
  /** Why the attempt was aborted. */
  reason: AbortReason;
  abortedAt: Date;
}

/**
 * A dashboard login session. The store holds digests only: `idHash` of the secret the session cookie
 * carries, and `tokenHash` of the API token the login used.
 */
export interface SessionRecord {
  /** SHA-256 of the session's secret, hex. */
  idHash: string;
  /** SHA-256 of the API token the session was opened with, hex: it ends once that token is no longer configured. */
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  /** When logout revoked it; null while it is valid. */
  revokedAt: Date | null;
}

/** A queue as an operator left it. Queues no operator changed have no state and are running. */
export interface QueueState {
  name: string;
  /** True while workers claim nothing from the queue; its running jobs go on. */
  paused: boolean;
  /** When the queue was paused; null while it runs. */
  pausedAt: Date | null;
  /** When an operator last paused, resumed or limited it. */
  updatedAt: Date;
  /** What every claim of every process obeys for this queue. */
  limits: QueueLimits;
}

/** Limits of one queue; null means no limit of that kind. */
export interface QueueLimits {
  /** At most this many of the queue's jobs run at once, across all workers. */
  concurrency: number | null;
  /** At most this many of the queue's jobs with the same `concurrencyKey` run at once (jobs without a key are not counted). */
  perKey: number | null;
  /** At most `limit` jobs of the queue start in any window of `intervalMs` milliseconds. */
  rate: { limit: number; intervalMs: number } | null;
}

/** What a schedule does with ticks that passed while nothing ran: drop them, or enqueue one job for all of them. */
export type ScheduleMissedPolicy = 'skip' | 'run-once';

/** A cron schedule as the store holds it. */
export interface ScheduleRecord {
  name: string;
  task: string;
  queue: string;
  /** 5 fields, or 6 with seconds first. */
  cron: string;
  /** IANA time zone the expression is read in. */
  timeZone: string;
  input: unknown;
  missed: ScheduleMissedPolicy;
  /** When it was paused; null while it runs. */
  pausedAt: Date | null;
  /** The tick it fires next. */
  nextRunAt: Date;
  /** The tick it last enqueued (or skipped); null before the first. */
  lastRunAt: Date | null;
  /**
   * What last kept it from firing (its job could not be built, or the store refused it) and when,
   * as a worker recorded it (`schedules.errorRecord`); null before any such error and once it fires again.
   */
  lastError: { message: string; at: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A schedule to create or replace, with its first tick computed by the engine. */
export interface ScheduleUpsert {
  name: string;
  task: string;
  queue: string;
  cron: string;
  timeZone: string;
  input: unknown;
  missed: ScheduleMissedPolicy;
  /** Used when the schedule is new or its cron or time zone changed; otherwise the stored tick stays. */
  nextRunAt: Date;
}

export interface ScheduleFireResult {
  /** False when another process fired this tick first, or the schedule was paused or removed. */
  fired: boolean;
  /** The job inserted (or its dedup holder); null when not fired or when `job` was null. */
  job: Job | null;
}
