/**
 * Rows as SQLite returns them, and their mapping to Conveyor's domain types. Nothing snake_case
 * or millisecond-typed leaves this folder: callers only ever see `Job`, `WorkerRecord` and `Date`s.
 */
import type { ChildFailurePolicy, Job, JobState } from '../job.js';
import type { FailedChild, SettleableJob } from '../store/flow-settling.js';
import type { ExpiredLease } from '../store/lease-recovery.js';
import { limitsFromColumns, type QueueLimitColumns } from '../store/queue-limits.js';
import {
  attemptErrorFromJson,
  type AttemptErrorJson,
  jobSummaryOf,
  handlersIgnoringAbortFromJson,
  dependenciesFromJson,
  dependenciesToJson,
  type DependencyStatusJson,
  type HandlerIgnoringAbortJson,
  handlersIgnoringAbortToJson,
  taskShapesToJson,
} from '../store/encoding.js';
import type { AppliedMigration, JobLease, JobSummary, QueueState, ScheduleMissedPolicy, ScheduleRecord, SessionRecord, TaskShape, WorkerRecord } from '../store/store.js';

/** A `conveyor_jobs` row. Times are ms since the epoch; `input`, `result` and `errors` are JSON text. */
export interface JobRow {
  id: number;
  task: string;
  queue: string;
  input: string;
  state: JobState;
  priority: number;
  run_at: number;
  attempt: number;
  max_attempts: number;
  dedup_key: string | null;
  concurrency_key: string | null;
  trace_context: string | null;
  progress_fraction: number | null;
  progress_message: string | null;
  result: string | null;
  errors: string;
  worker_id: string | null;
  lease_expires_at: number | null;
  cancel_requested_at: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  flow_id: number | null;
  parent_id: number | null;
  on_child_failure: ChildFailurePolicy;
  has_children: number;
}

/** A row of `JOB_SUMMARY_LIST`: a job row without input, result and errors, with their cut forms. */
export interface JobSummaryRow extends Omit<JobRow, 'input' | 'result' | 'errors'> {
  input_head: string;
  result_head: string | null;
  error_count: number;
  last_error_attempt: number | null;
  last_error_message: string | null;
  last_error_at: number | null;
}

export function jobSummaryFromRow(row: JobSummaryRow, previewChars: number, messageChars: number): JobSummary {
  const { input: _input, result: _result, errors: _errors, ...job } = jobFromRow({ ...row, input: 'null', result: null, errors: '[]' });
  const heads = {
    inputHead: row.input_head,
    resultHead: row.result_head,
    errorCount: row.error_count,
    lastErrorAttempt: row.last_error_attempt,
    lastErrorMessage: row.last_error_message,
    lastErrorAt: row.last_error_at === null ? null : new Date(row.last_error_at),
  };
  return jobSummaryOf(job, heads, previewChars, messageChars);
}

/** What a statement that finishes a job returns: the parent to settle, if any. */
export interface FinishedJobRow {
  parent_id: number | null;
}

/** A `conveyor_sessions` row; times are ms since the epoch. */
export interface SessionRow {
  id_hash: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export function sessionFromRow(row: SessionRow): SessionRecord {
  return {
    idHash: row.id_hash,
    tokenHash: row.token_hash,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
  };
}

/** A `conveyor_workers` row; `queues` and `tasks` are JSON arrays. */
export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  queues: string;
  tasks: string;
  concurrency: number;
  started_at: number;
  last_heartbeat_at: number;
  /** JSON: `HandlerIgnoringAbortJson[]`. */
  handlers_ignoring_abort: string;
  /** JSON: `DependencyStatusJson[]`. */
  dependencies: string;
  /** JSON: `TaskShape[]`. */
  task_shapes: string;
}

export interface MigrationRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: number;
}

export interface LeaseRow {
  id: number;
  attempt: number;
  cancel_requested_at: number | null;
}

/** What lease recovery needs to decide a job's fate. */
export interface ExpiredLeaseRow {
  id: number;
  attempt: number;
  max_attempts: number;
  worker_id: string;
  cancel_requested_at: number | null;
}

/** A waiting job all of whose children are finished (`JOB_SETTLEABLE_GET`). */
export interface SettleableRow {
  id: number;
  attempt: number;
  on_child_failure: ChildFailurePolicy;
}

export function settleableFromRow(row: SettleableRow): SettleableJob {
  return { id: String(row.id), attempt: row.attempt, onChildFailure: row.on_child_failure };
}

/** The first child that ended dead or cancelled (`JOB_FAILED_CHILD_FIRST`). */
export interface FailedChildRow {
  id: number;
  task: string;
  state: 'dead' | 'cancelled';
  last_error_message: string | null;
}

export function failedChildFromRow(row: FailedChildRow): FailedChild {
  return { id: String(row.id), task: row.task, state: row.state, lastErrorMessage: row.last_error_message };
}

export function expiredLeaseFromRow(row: ExpiredLeaseRow): ExpiredLease {
  return { id: String(row.id), attempt: row.attempt, maxAttempts: row.max_attempts, workerId: row.worker_id, cancelRequested: row.cancel_requested_at !== null };
}

export interface ClaimCandidateRow {
  id: number;
  priority: number;
  run_at: number;
}

export interface JobCountRow {
  task: string;
  queue: string;
  state: JobState;
  count: number;
  oldest_created_at: number;
}

export function jobFromRow(row: JobRow): Job {
  return {
    id: String(row.id),
    task: row.task,
    queue: row.queue,
    input: JSON.parse(row.input) as unknown,
    state: row.state,
    priority: row.priority,
    runAt: new Date(row.run_at),
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    dedupKey: row.dedup_key,
    flowId: idOrNull(row.flow_id),
    parentId: idOrNull(row.parent_id),
    onChildFailure: row.on_child_failure,
    hasChildren: row.has_children === 1,
    concurrencyKey: row.concurrency_key,
    traceContext: row.trace_context,
    progress: row.progress_fraction === null ? null : { fraction: row.progress_fraction, message: row.progress_message },
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    errors: (JSON.parse(row.errors) as AttemptErrorJson[]).map(attemptErrorFromJson),
    workerId: row.worker_id,
    leaseExpiresAt: dateOrNull(row.lease_expires_at),
    cancelRequestedAt: dateOrNull(row.cancel_requested_at),
    createdAt: new Date(row.created_at),
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
    updatedAt: new Date(row.updated_at),
  };
}

export function workerFromRow(row: WorkerRow): WorkerRecord {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    queues: JSON.parse(row.queues) as string[],
    tasks: JSON.parse(row.tasks) as string[],
    concurrency: row.concurrency,
    startedAt: new Date(row.started_at),
    lastHeartbeatAt: new Date(row.last_heartbeat_at),
    handlersIgnoringAbort: handlersIgnoringAbortFromJson(JSON.parse(row.handlers_ignoring_abort) as HandlerIgnoringAbortJson[]),
    dependencies: dependenciesFromJson(JSON.parse(row.dependencies) as DependencyStatusJson[]),
    taskShapes: JSON.parse(row.task_shapes) as TaskShape[],
  };
}

/** The named parameters of `WORKER_REGISTER`. */
export function workerToParams(worker: WorkerRecord): Record<string, string | number> {
  return {
    id: worker.id,
    host: worker.host,
    pid: worker.pid,
    queues: JSON.stringify(worker.queues),
    tasks: JSON.stringify(worker.tasks),
    concurrency: worker.concurrency,
    startedAt: worker.startedAt.getTime(),
    lastHeartbeatAt: worker.lastHeartbeatAt.getTime(),
    handlersIgnoringAbort: JSON.stringify(handlersIgnoringAbortToJson(worker.handlersIgnoringAbort)),
    dependencies: JSON.stringify(dependenciesToJson(worker.dependencies)),
    taskShapes: JSON.stringify(taskShapesToJson(worker.taskShapes)),
  };
}

/** A `conveyor_queues` row; times are ms since the epoch. */
export interface QueueRow extends QueueLimitColumns {
  name: string;
  paused_at: number | null;
  updated_at: number;
}

export function queueFromRow(row: QueueRow): QueueState {
  return {
    name: row.name,
    paused: row.paused_at !== null,
    pausedAt: row.paused_at === null ? null : new Date(row.paused_at),
    updatedAt: new Date(row.updated_at),
    limits: limitsFromColumns(row),
  };
}

/** A `conveyor_schedules` row; times are ms since the epoch, `input` is JSON text. */
export interface ScheduleRow {
  name: string;
  task: string;
  queue: string;
  cron: string;
  time_zone: string;
  input: string;
  missed: ScheduleMissedPolicy;
  paused_at: number | null;
  next_run_at: number;
  last_run_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  created_at: number;
  updated_at: number;
}

export function scheduleFromRow(row: ScheduleRow): ScheduleRecord {
  return {
    name: row.name,
    task: row.task,
    queue: row.queue,
    cron: row.cron,
    timeZone: row.time_zone,
    input: JSON.parse(row.input) as unknown,
    missed: row.missed,
    pausedAt: row.paused_at === null ? null : new Date(row.paused_at),
    nextRunAt: new Date(row.next_run_at),
    lastRunAt: row.last_run_at === null ? null : new Date(row.last_run_at),
    lastError: row.last_error === null || row.last_error_at === null ? null : { message: row.last_error, at: new Date(row.last_error_at) },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export function appliedMigrationFromRow(row: MigrationRow): AppliedMigration {
  return { version: row.version, name: row.name, checksum: row.checksum, appliedAt: new Date(row.applied_at) };
}

export function leaseFromRow(row: LeaseRow): JobLease {
  return { id: String(row.id), attempt: row.attempt, cancelRequested: row.cancel_requested_at !== null };
}

function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function idOrNull(id: number | null): string | null {
  return id === null ? null : String(id);
}

/** A row of `JOB_FAILURE_TIMES` (times as ms since the epoch). */
export interface FailureTimesRow {
  sample_job_id: number;
  last_seen_at: number;
  first_seen_at: number;
  recent: number;
}

/** A row of `JOB_FAILURES_UNFINGERPRINTED`: the latest error as JSON text, null without one. */
export interface UnfingerprintedRow {
  id: number;
  error_count: number;
  latest_error: string | null;
}
