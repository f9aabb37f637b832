/**
 * Durable steps on SQLite (`store.steps`; tables `conveyor_job_steps`, `conveyor_sent_events`). Every
 * write that reads first runs in one BEGIN IMMEDIATE transaction, so a wait that starts and an event
 * that is sent take turns: neither can miss the other.
 */
import { parseJobId } from '../store/encoding.js';
import { eventMatches, waitOutput } from '../store/event-match.js';
import { boundedLimit } from '../store/row-limits.js';
import { sentEventFromRow, STEP_COLUMNS, stepErrorJson, stepEventJson, stepFromRow, type SentEventRow, type StepRow } from '../store/step-rows.js';
import type { SentEvent, StepRecord, StepStore } from '../store/store.js';
import type { PreparedStatements } from './statements.js';

const LIST = `SELECT ${STEP_COLUMNS} FROM conveyor_job_steps WHERE job_id = @jobId ORDER BY started_at, rowid`;
const UPSERT = `
INSERT INTO conveyor_job_steps (${STEP_COLUMNS})
VALUES (@jobId, @name, @kind, @status, @attempt, @output, @error, @startedAt, @finishedAt, @until, @event, @match)
ON CONFLICT (job_id, name) DO UPDATE SET kind = excluded.kind, status = excluded.status, attempt = excluded.attempt,
  output = excluded.output, error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at,
  until = excluded.until, event = excluded.event, match = excluded.match`;
const LOG_EVENT = `
INSERT INTO conveyor_job_events (job_id, task, queue, state, attempt, progress_fraction, progress_message, at, step)
SELECT id, task, queue, state, attempt, progress_fraction, progress_message, @now, @step FROM conveyor_jobs WHERE id = @jobId`;
/** The step's event, logged only while the attempt holds the job: the fence of a step write. */
const LOG_FENCED_EVENT = `${LOG_EVENT} AND state = 'running' AND attempt = @attempt AND worker_id = @workerId`;
/** Oldest first: a wait takes the first event that matches. Bounded: a wait looks back over this many at most. */
const SENT_SINCE = `SELECT seq, name, payload, sent_at FROM conveyor_sent_events WHERE name = @name AND sent_at >= @since ORDER BY seq LIMIT 1000`;
const RESOLVE = `UPDATE conveyor_job_steps SET status = 'succeeded', output = @output, finished_at = @now WHERE job_id = @jobId AND name = @name AND status = 'waiting'`;
const SEND = `INSERT INTO conveyor_sent_events (name, payload, sent_at) VALUES (@name, @payload, @now)`;
const WAITING_FOR = `SELECT ${STEP_COLUMNS} FROM conveyor_job_steps WHERE event = @name AND status = 'waiting'`;
const WAKE = `UPDATE conveyor_jobs SET state = 'queued', run_at = @now, updated_at = @now WHERE id = @jobId AND state = 'scheduled' RETURNING queue`;
const WAKE_RESOLVED = `
UPDATE conveyor_jobs SET state = 'queued', run_at = @now, updated_at = @now
WHERE state = 'scheduled' AND id IN (
  SELECT job_id FROM conveyor_job_steps WHERE kind = 'wait' AND status = 'succeeded' AND finished_at >= @since LIMIT @limit
)`;
const PRUNE_OF_PRUNED_JOBS = `
DELETE FROM conveyor_job_steps WHERE rowid IN (
  SELECT step.rowid FROM conveyor_job_steps AS step
  WHERE NOT EXISTS (SELECT 1 FROM conveyor_jobs AS job WHERE job.id = step.job_id) LIMIT @limit
)`;
const PRUNE_SENT = `DELETE FROM conveyor_sent_events WHERE seq IN (SELECT seq FROM conveyor_sent_events WHERE sent_at < @before ORDER BY seq LIMIT @limit)`;

function stepParams(step: StepRecord, jobId: number): Record<string, string | number | null> {
  return {
    jobId,
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempt: step.attempt,
    output: step.output,
    error: stepErrorJson(step),
    startedAt: step.startedAt.getTime(),
    finishedAt: step.finishedAt?.getTime() ?? null,
    until: step.until?.getTime() ?? null,
    event: step.event,
    match: step.match,
  };
}

export class SqliteSteps implements StepStore {
  constructor(private readonly db: PreparedStatements) {}

  async list(params: { jobId: string }): Promise<StepRecord[]> {
    const jobId = parseJobId(params.jobId);
    return jobId === null ? [] : this.db.all<StepRow>(LIST, { jobId }).map(stepFromRow);
  }

  async save(params: { step: StepRecord; workerId: string; now: Date }): Promise<boolean> {
    const [held] = await this.saveMany({ saves: [params], now: params.now });
    return held === true;
  }

  /**
   * One transaction for the batch, committed without waiting for the disk: a step write is the
   * costliest part of a step, and a sync per commit was most of it (bench:steps: 55 µs of drain time
   * a step syncing each batch, 26 µs without). The write survives the worker's crash;
   * the WAL reaches the disk with the worker's next synced commit (its next claim, outcome or lease
   * renewal). A power cut before that can lose the last steps written, which then run again, as a
   * step does after a crash while it ran; it never keeps a later step and loses an earlier one.
   */
  async saveMany(params: { saves: ReadonlyArray<{ step: StepRecord; workerId: string }>; now: Date }): Promise<boolean[]> {
    return this.db.immediateUnflushed(() =>
      params.saves.map(({ step, workerId }) => {
        const jobId = parseJobId(step.jobId);
        return jobId !== null && this.saveFenced(step, jobId, workerId, params.now);
      }),
    );
  }

  async wait(params: { step: StepRecord; workerId: string; now: Date; lookBackFrom: Date }): Promise<{ held: false } | { held: true; resolved: SentEvent | null }> {
    const { step, now } = params;
    const jobId = parseJobId(step.jobId);
    if (jobId === null || step.event === null) return { held: false };
    return this.db.immediate(() => {
      if (!this.saveFenced(step, jobId, params.workerId, now)) return { held: false } as const;
      const sent = this.db.all<SentEventRow>(SENT_SINCE, { name: step.event, since: params.lookBackFrom.getTime() }).map(sentEventFromRow);
      const event = sent.find((candidate) => eventMatches(step.match, candidate.payload)) ?? null;
      if (event !== null) this.resolve(jobId, step, event, now);
      return { held: true, resolved: event } as const;
    });
  }

  async deliverEvent(params: { name: string; payload: string; now: Date }): Promise<{ seq: string; resolvedJobIds: string[]; wokenQueues: string[] }> {
    const { name, payload, now } = params;
    return this.db.immediate(() => {
      this.db.run(SEND, { name, payload, now: now.getTime() });
      const seq = String(this.db.get<{ seq: number }>(`SELECT last_insert_rowid() AS seq`)!.seq);
      const event: SentEvent = { seq, name, payload, sentAt: now };
      const resolvedJobIds: string[] = [];
      const wokenQueues = new Set<string>();
      for (const step of this.db.all<StepRow>(WAITING_FOR, { name }).map(stepFromRow)) {
        if (!eventMatches(step.match, payload)) continue;
        const jobId = Number(step.jobId);
        this.resolve(jobId, step, event, now);
        for (const { queue } of this.db.all<{ queue: string }>(WAKE, { jobId, now: now.getTime() })) wokenQueues.add(queue);
        resolvedJobIds.push(step.jobId);
      }
      return { seq, resolvedJobIds, wokenQueues: [...wokenQueues] };
    });
  }

  async wakeResolved(params: { since: Date; now: Date; limit: number }): Promise<number> {
    return this.db.run(WAKE_RESOLVED, { since: params.since.getTime(), now: params.now.getTime(), limit: boundedLimit(params.limit) });
  }

  async pruneOfPrunedJobs(params: { limit: number }): Promise<number> {
    return this.db.run(PRUNE_OF_PRUNED_JOBS, { limit: boundedLimit(params.limit) });
  }

  async pruneSentEvents(params: { before: Date; limit: number }): Promise<number> {
    return this.db.run(PRUNE_SENT, { before: params.before.getTime(), limit: boundedLimit(params.limit) });
  }

  /** Inside a transaction: write the step, with its event, if the attempt holds the job. */
  private saveFenced(step: StepRecord, jobId: number, workerId: string, now: Date): boolean {
    if (this.db.run(LOG_FENCED_EVENT, { jobId, attempt: step.attempt, workerId, now: now.getTime(), step: stepEventJson(step) }) === 0) return false;
    this.db.run(UPSERT, stepParams(step, jobId));
    return true;
  }

  /** Inside a transaction: the wait got its event. */
  private resolve(jobId: number, step: StepRecord, event: SentEvent, now: Date): void {
    this.db.run(RESOLVE, { jobId, name: step.name, output: waitOutput(event), now: now.getTime() });
    this.db.run(LOG_EVENT, { jobId, now: now.getTime(), step: stepEventJson({ ...step, status: 'succeeded' }) });
  }
}
