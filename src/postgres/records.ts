/**
 * Jobs and outcomes as the batch statements read them: one jsonb record per job for `JOB_INSERT`,
 * one per outcome for `JOB_SET_STATE_IF_RUNNING` (times as ISO strings, JSON values as text).
 */
import { attemptErrorToJson, parseJobId, toJsonText } from '../store/encoding.js';
import { storedError } from '../store/failure-fingerprints.js';
import type { JobAttemptError } from '../job.js';
import type { JobInsert, JobStateUpdate } from '../store/store.js';

/** An outcome as `JOB_SET_STATE_IF_RUNNING` reads it. */
export interface UpdateRecord {
  id: number;
  attempt: number;
  worker_id: string;
  kind: JobStateUpdate['kind'];
  at: string;
  result: string | null;
  error: ReturnType<typeof attemptErrorToJson> | null;
  /** The error's fingerprint (error-fingerprint.ts), the job's error_fingerprint once it is appended. */
  error_fingerprint: string | null;
  run_at: string | null;
}

export function insertRecord(job: JobInsert, ord: number, now: Date): Record<string, unknown> {
  return {
    ord,
    task: job.task,
    queue: job.queue,
    input: toJsonText(job.input),
    state: job.runAt.getTime() > now.getTime() ? 'scheduled' : 'queued',
    priority: job.priority,
    run_at: job.runAt.toISOString(),
    max_attempts: job.maxAttempts,
    dedup_key: job.dedupKey,
    concurrency_key: job.concurrencyKey,
    trace_context: job.traceContext,
  };
}

/** The record for one outcome, or null when the id cannot name a job (so nothing is running under it). */
export function updateRecord(update: JobStateUpdate): UpdateRecord | null {
  const id = parseJobId(update.id);
  if (id === null) return null;
  const base = { id, attempt: update.attempt, worker_id: update.workerId, kind: update.kind, at: update.at.toISOString(), result: null, error: null, error_fingerprint: null, run_at: null };
  switch (update.kind) {
    case 'succeeded':
      return { ...base, result: toJsonText(update.result) };
    case 'failed':
      return { ...base, ...errorFields(update.error), run_at: update.retryAt.toISOString() };
    case 'dead':
      return { ...base, ...errorFields(update.error) };
    case 'cancelled':
      return update.error === null ? base : { ...base, ...errorFields(update.error) };
    case 'released':
      return base;
    case 'snoozed':
      return { ...base, run_at: update.runAt.toISOString() };
    case 'requeued':
      return { ...base, ...errorFields(update.error) };
  }
}

/** An error as the statements that append one read it: its JSON and its fingerprint. */
export function errorFields(error: JobAttemptError): { error: ReturnType<typeof attemptErrorToJson>; error_fingerprint: string } {
  const { json, fingerprint } = storedError(error);
  return { error: json, error_fingerprint: fingerprint };
}
