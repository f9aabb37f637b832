/**
 * Rows as node-postgres returns them (bigint as a decimal string, timestamptz as a Date, json and
 * jsonb parsed), and their mapping to Conveyor's domain types.
 */
import { limitsFromColumns, type QueueLimitColumns } from '../store/queue-limits.js';
import type { ChildFailurePolicy, Job, JobState } from '../job.js';
import type { FailedChild, SettleableJob } from '../store/flow-settling.js';
import type { ExpiredLease } from '../store/lease-recovery.js';
import { attemptErrorFromJson, type AttemptErrorJson, dependenciesFromJson, type DependencyStatusJson, handlersIgnoringAbortFromJson, jobSummaryOf, type HandlerIgnoringAbortJson } from '../store/encoding.js';
import type { AppliedMigration, JobLease, JobSummary, QueueState, ScheduleMissedPolicy, ScheduleRecord, SessionRecord, TaskShape, WorkerRecord } from '../store/store.js';

/** A `jobs` row. */
export interface JobRow {
  id: string;
  task: string;
  queue: string;
  input: unknown;
  state: JobState;
  priority: number;
  run_at: Date;
  attempt: number;
  max_attempts: number;
  dedup_key: string | null;
  concurrency_key: string | null;
  trace_context: string | null;
  flow_id: string | null;
  parent_id: string | null;
  on_child_failure: ChildFailurePolicy;
  has_children: boolean;
  progress_fraction: number | null;
  progress_message: string | null;
  result: unknown;
  errors: AttemptErrorJson[];
  worker_id: string | null;
  lease_expires_at: Date | null;
  cancel_requested_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

/** A row of `JOB_SUMMARY_LIST`: a job row without input, result and errors, with their cut forms. */
export interface JobSummaryRow extends Omit<JobRow, 'input' | 'result' | 'errors'> {
  input_head: string;
  result_head: string | null;
  error_count: number;
  last_error_attempt: number | null;
  last_error_message: string | null;
  /** ms since the epoch, as stored in the error history; pg returns bigint as a string. */
  last_error_at: string | null;
}

export function jobSummaryFromRow(row: JobSummaryRow, previewChars: number, messageChars: number): JobSummary {
  const { input: _input, result: _result, errors: _errors, ...job } = jobFromRow({ ...row, input: null, result: null, errors: [] });
  const heads = {
    inputHead: row.input_head,
    resultHead: row.result_head,
    errorCount: row.error_count,
    lastErrorAttempt: row.last_error_attempt,
    lastErrorMessage: row.last_error_message,
    lastErrorAt: row.last_error_at === null ? null : new Date(Number(row.last_error_at)),
  };
  return jobSummaryOf(job, heads, previewChars, messageChars);
}

/** A `sessions` row. */
export interface SessionRow {
  id_hash: string;
  token_hash: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export function sessionFromRow(row: SessionRow): SessionRecord {
  return { idHash: row.id_hash, tokenHash: row.token_hash, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at };
}

export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  tasks: string[];
  concurrency: number;
  started_at: Date;
  last_heartbeat_at: Date;
  handlers_ignoring_abort: HandlerIgnoringAbortJson[];
  dependencies: DependencyStatusJson[];
  task_shapes: TaskShape[];
}

export interface MigrationRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

export interface LeaseRow {
  id: string;
  attempt: number;
  cancel_requested_at: Date | null;
}

/** What lease recovery needs to decide a job's fate. */
export interface ExpiredLeaseRow {
  id: string;
  attempt: number;
  max_attempts: number;
  worker_id: string;
  cancel_requested_at: Date | null;
}

/** A settleable waiting job with its first failed child, if any (`JOB_SETTLE_PLAN`). */
export interface SettleableRow {
  id: string;
  attempt: number;
  on_child_failure: ChildFailurePolicy;
  failed_child_id: string | null;
  failed_child_task: string | null;
  failed_child_state: 'dead' | 'cancelled' | null;
  failed_child_message: string | null;
}

export function settleableFromRow(row: SettleableRow): SettleableJob {
  return { id: row.id, attempt: row.attempt, onChildFailure: row.on_child_failure };
}

/** The row's failed child; null when none of the job's children failed. */
export function failedChildFromRow(row: SettleableRow): FailedChild | null {
  if (row.failed_child_id === null || row.failed_child_task === null || row.failed_child_state === null) return null;
  return { id: row.failed_child_id, task: row.failed_child_task, state: row.failed_child_state, lastErrorMessage: row.failed_child_message };
}

export function expiredLeaseFromRow(row: ExpiredLeaseRow): ExpiredLease {
  return { id: row.id, attempt: row.attempt, maxAttempts: row.max_attempts, workerId: row.worker_id, cancelRequested: row.cancel_requested_at !== null };
}

export interface JobCountRow {
  task: string;
  queue: string;
  state: JobState;
  count: number;
  oldest_created_at: Date;
}

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    task: row.task,
    queue: row.queue,
    input: row.input,
    state: row.state,
    priority: row.priority,
    runAt: row.run_at,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    dedupKey: row.dedup_key,
    flowId: row.flow_id,
    parentId: row.parent_id,
    onChildFailure: row.on_child_failure,
    hasChildren: row.has_children,
    concurrencyKey: row.concurrency_key,
    traceContext: row.trace_context,
    progress: row.progress_fraction === null ? null : { fraction: row.progress_fraction, message: row.progress_message },
    result: row.result,
    errors: row.errors.map(attemptErrorFromJson),
    workerId: row.worker_id,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequestedAt: row.cancel_requested_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}

export function workerFromRow(row: WorkerRow): WorkerRecord {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    queues: row.queues,
    tasks: row.tasks,
    concurrency: row.concurrency,
    startedAt: row.started_at,
    lastHeartbeatAt: row.last_heartbeat_at,
    handlersIgnoringAbort: handlersIgnoringAbortFromJson(row.handlers_ignoring_abort),
    dependencies: dependenciesFromJson(row.dependencies),
    taskShapes: row.task_shapes,
  };
}

/** A `queues` row. */
export interface QueueRow extends QueueLimitColumns {
  name: string;
  paused_at: Date | null;
  updated_at: Date;
}

export function queueFromRow(row: QueueRow): QueueState {
  return { name: row.name, paused: row.paused_at !== null, pausedAt: row.paused_at, updatedAt: row.updated_at, limits: limitsFromColumns(row) };
}

/** A `schedules` row; `input` arrives parsed (a json column). */
export interface ScheduleRow {
  name: string;
  task: string;
  queue: string;
  cron: string;
  time_zone: string;
  input: unknown;
  missed: ScheduleMissedPolicy;
  paused_at: Date | null;
  next_run_at: Date;
  last_run_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function scheduleFromRow(row: ScheduleRow): ScheduleRecord {
  return {
    name: row.name,
    task: row.task,
    queue: row.queue,
    cron: row.cron,
    timeZone: row.time_zone,
    input: row.input,
    missed: row.missed,
    pausedAt: row.paused_at,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastError: row.last_error === null || row.last_error_at === null ? null : { message: row.last_error, at: row.last_error_at },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function appliedMigrationFromRow(row: MigrationRow): AppliedMigration {
  return { version: row.version, name: row.name, checksum: row.checksum, appliedAt: row.applied_at };
}

export function leaseFromRow(row: LeaseRow): JobLease {
  return { id: row.id, attempt: row.attempt, cancelRequested: row.cancel_requested_at !== null };
}

/** A row of `JOB_FAILURE_TIMES`. */
export interface FailureTimesRow {
  sample_job_id: string;
  last_seen_at: Date;
  first_seen_at: Date;
  recent: number;
}

/** A row of `JOB_FAILURES_UNFINGERPRINTED`: the latest error, null without one. */
export interface UnfingerprintedRow {
  id: string;
  error_count: number;
  latest_error: AttemptErrorJson | null;
}
