/** Step rows as both drivers return them, mapped to `StepRecord`, and the event each change logs. */
import { attemptErrorFromJson, attemptErrorToJson, type AttemptErrorJson } from './encoding.js';
import type { SentEvent, StepKind, StepRecord, StepStatus } from './store.js';

export interface StepRow {
  job_id: number | string;
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempt: number;
  output: string | null;
  /** JSON text (SQLite) or parsed jsonb (pg). */
  error: string | AttemptErrorJson | null;
  started_at: number | Date;
  finished_at: number | Date | null;
  until: number | Date | null;
  event: string | null;
  match: string | null;
}

export const STEP_COLUMNS = 'job_id, name, kind, status, attempt, output, error, started_at, finished_at, until, event, match';

const date = (value: number | Date | null): Date | null => (value === null ? null : new Date(value));

export function stepFromRow(row: StepRow): StepRecord {
  const error = row.error === null ? null : typeof row.error === 'string' ? (JSON.parse(row.error) as AttemptErrorJson) : row.error;
  return {
    jobId: String(row.job_id),
    name: row.name,
    kind: row.kind,
    status: row.status,
    attempt: row.attempt,
    output: row.output,
    error: error === null ? null : attemptErrorFromJson(error),
    startedAt: new Date(row.started_at),
    finishedAt: date(row.finished_at),
    until: date(row.until),
    event: row.event,
    match: row.match,
  };
}

export function stepErrorJson(step: StepRecord): string | null {
  return step.error === null ? null : JSON.stringify(attemptErrorToJson(step.error));
}

/** The JSON a step event carries. */
export function stepEventJson(step: Pick<StepRecord, 'name' | 'kind' | 'status'>): string {
  return JSON.stringify({ name: step.name, kind: step.kind, status: step.status });
}

export interface SentEventRow {
  seq: number | string;
  name: string;
  payload: string;
  sent_at: number | Date;
}

export function sentEventFromRow(row: SentEventRow): SentEvent {
  return { seq: String(row.seq), name: row.name, payload: row.payload, sentAt: new Date(row.sent_at) };
}
