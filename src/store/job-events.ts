/** Reading the job event log's rows, the same on every store (see `JobEvent` in store.ts). */
import { ConveyorConfigError } from '../errors.js';
import type { JobState } from '../job.js';
import type { JobEvent, JobEventArtifact, JobEventBounds, JobEventStep } from './store.js';

/** A row of the event log as a driver returns it: SQLite gives numbers, `pg` gives bigints as strings and times as Dates. */
export interface JobEventRow {
  seq: number | string;
  job_id: number | string;
  task: string;
  queue: string;
  state: JobState;
  attempt: number;
  progress_fraction: number | null;
  progress_message: string | null;
  at: number | Date;
  /** JSON text (SQLite) or parsed jsonb (pg) of a `JobEventArtifact`; null for a state or progress change. */
  artifact: string | JobEventArtifact | null;
  /** JSON text (SQLite) or parsed jsonb (pg) of a `JobEventStep`; null unless a step changed. */
  step: string | JobEventStep | null;
}

export interface JobEventBoundsRow {
  oldest: number | string | null;
  latest: number | string | null;
}

export function jobEventFromRow(row: JobEventRow): JobEvent {
  return {
    seq: String(row.seq),
    jobId: String(row.job_id),
    task: row.task,
    queue: row.queue,
    state: row.state,
    attempt: row.attempt,
    progress: row.progress_fraction === null ? null : { fraction: row.progress_fraction, message: row.progress_message },
    at: new Date(row.at),
    artifact: row.artifact === null ? null : typeof row.artifact === 'string' ? (JSON.parse(row.artifact) as JobEventArtifact) : row.artifact,
    step: row.step === null ? null : typeof row.step === 'string' ? (JSON.parse(row.step) as JobEventStep) : row.step,
  };
}

export function jobEventBoundsFromRow(row: JobEventBoundsRow | undefined): JobEventBounds {
  const seq = (value: number | string | null | undefined) => (value === null || value === undefined ? null : String(value));
  return { oldestSeq: seq(row?.oldest), latestSeq: seq(row?.latest) };
}

/** `afterSeq` as a number the stores bind; null (from the start) is 0, below every seq. */
export function eventSeqParam(afterSeq: string | null): string {
  if (afterSeq === null) return '0';
  if (!/^\d{1,19}$/.test(afterSeq)) {
    throw new ConveyorConfigError('events.list afterSeq', `must be a decimal event seq, got ${JSON.stringify(afterSeq)}`, 'the seq of the last event read, unchanged, or null to read from the oldest event');
  }
  return afterSeq;
}
