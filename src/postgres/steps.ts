/**
 * Durable steps on PostgreSQL (`store.steps`; tables `job_steps`, `sent_events`). A wait that starts
 * and an event that is sent take a transaction-scoped advisory lock on the event's name first, so
 * one of them always sees the other: an event is never missed by a wait that starts as it is sent.
 */
import { parseJobId } from '../store/encoding.js';
import { eventMatches, waitOutput } from '../store/event-match.js';
import { boundedLimit, unique } from '../store/row-limits.js';
import { sentEventFromRow, STEP_COLUMNS, stepErrorJson, stepEventJson, stepFromRow, type SentEventRow, type StepRow } from '../store/step-rows.js';
import type { SentEvent, StepRecord, StepStore } from '../store/store.js';
import type { PostgresAccess, Queryable } from './access.js';
import { quoteIdentifier, type PostgresQueries } from './queries.js';

export class PostgresSteps implements StepStore {
  private readonly sql;

  constructor(
    private readonly db: PostgresAccess,
    private readonly queries: PostgresQueries,
    schema: string,
  ) {
    const quoted = quoteIdentifier(schema);
    const jobs = `${quoted}.jobs`;
    const steps = `${quoted}.job_steps`;
    const sent = `${quoted}.sent_events`;
    const events = `${quoted}.job_events`;
    this.sql = {
      list: `SELECT ${STEP_COLUMNS} FROM ${steps} WHERE job_id = $1 ORDER BY started_at, name`,
      // FOR SHARE holds the job's state until this commits, as artifacts' commit does.
      save: `
WITH job AS (
  SELECT id, task, queue, state, attempt, progress_fraction, progress_message FROM ${jobs}
  WHERE id = $1 AND state = 'running' AND attempt = $5 AND worker_id = $13 FOR SHARE
), saved AS (
  INSERT INTO ${steps} (${STEP_COLUMNS})
  SELECT $1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12 FROM job
  ON CONFLICT (job_id, name) DO UPDATE SET kind = excluded.kind, status = excluded.status, attempt = excluded.attempt,
    output = excluded.output, error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at,
    until = excluded.until, event = excluded.event, match = excluded.match
  RETURNING 1
), logged AS (
  INSERT INTO ${events} (job_id, task, queue, state, attempt, progress_fraction, progress_message, at, step)
  SELECT id, task, queue, state, attempt, progress_fraction, progress_message, $14, $15::jsonb FROM job WHERE EXISTS (SELECT 1 FROM saved)
)
SELECT count(*)::int AS saved FROM saved`,
      lock: `SELECT pg_advisory_xact_lock(hashtext($1))`,
      sentSince: `SELECT seq, name, payload, sent_at FROM ${sent} WHERE name = $1 AND sent_at >= $2 ORDER BY seq LIMIT 1000`,
      resolve: `
WITH resolved AS (
  UPDATE ${steps} SET status = 'succeeded', output = $3, finished_at = $4 WHERE job_id = $1 AND name = $2 AND status = 'waiting'
  RETURNING job_id, kind
)
INSERT INTO ${events} (job_id, task, queue, state, attempt, progress_fraction, progress_message, at, step)
SELECT job.id, job.task, job.queue, job.state, job.attempt, job.progress_fraction, job.progress_message, $4,
  jsonb_build_object('name', $2::text, 'kind', resolved.kind, 'status', 'succeeded')
FROM resolved JOIN ${jobs} AS job ON job.id = resolved.job_id`,
      send: `INSERT INTO ${sent} (name, payload, sent_at) VALUES ($1, $2, $3) RETURNING seq`,
      // Only waits the payload can match leave the server, so a send does not read every wait of its
      // name: `@>` lets through every match `eventMatches` accepts (and more, e.g. an array inside a
      // larger one), so that check still decides. Text with a \u escape (which jsonb may refuse, as
      // \u0000 or a lone surrogate) is not cast: $2 is null for such a payload, and such a match passes.
      waitingFor: `
SELECT ${STEP_COLUMNS} FROM ${steps}
WHERE event = $1 AND status = 'waiting' AND CASE
  WHEN match IS NULL OR $2::text IS NULL OR strpos(match, '\\u') > 0 THEN true
  ELSE jsonb_typeof($2::jsonb) <> 'object' OR $2::jsonb @> match::jsonb
END`,
      wake: `UPDATE ${jobs} SET state = 'queued', run_at = $2, updated_at = $2 WHERE id = ANY($1::bigint[]) AND state = 'scheduled' RETURNING queue`,
      wakeResolved: `
UPDATE ${jobs} SET state = 'queued', run_at = $2, updated_at = $2
WHERE state = 'scheduled' AND id IN (
  SELECT job_id FROM ${steps} WHERE kind = 'wait' AND status = 'succeeded' AND finished_at >= $1 LIMIT $3
)
RETURNING queue`,
      pruneOfPrunedJobs: `
DELETE FROM ${steps} WHERE ctid IN (
  SELECT step.ctid FROM ${steps} AS step WHERE NOT EXISTS (SELECT 1 FROM ${jobs} AS job WHERE job.id = step.job_id) LIMIT $1
)`,
      pruneSent: `DELETE FROM ${sent} WHERE seq IN (SELECT seq FROM ${sent} WHERE sent_at < $1 ORDER BY seq LIMIT $2)`,
    };
    // Every ctx.step runs `save`, and every attempt that reaches a step runs `list` first. Planned
    // afresh, the fenced save took 2.2× as long (3,600 against 8,000 saves/s from 10 connections);
    // both reach rows by primary key, so a generic plan is as good.
    db.nameStatements([this.sql.save, this.sql.list]);
  }

  async list(params: { jobId: string }): Promise<StepRecord[]> {
    const jobId = parseJobId(params.jobId);
    return jobId === null ? [] : (await this.db.all<StepRow>(this.db.pool, this.sql.list, [jobId])).map(stepFromRow);
  }

  async save(params: { step: StepRecord; workerId: string; now: Date }): Promise<boolean> {
    const jobId = parseJobId(params.step.jobId);
    if (jobId === null) return false;
    return this.saveFenced(this.db.pool, params.step, jobId, params.workerId, params.now);
  }

  /**
   * Each save is its own statement, run side by side on the pool: a transaction around them would add
   * two round trips, and a round trip, not the commit, is what a step write costs here (measured with
   * bench:steps: 494 µs a step inside one transaction, 206 µs side by side).
   */
  async saveMany(params: { saves: ReadonlyArray<{ step: StepRecord; workerId: string }>; now: Date }): Promise<boolean[]> {
    return Promise.all(params.saves.map(({ step, workerId }) => this.save({ step, workerId, now: params.now })));
  }

  async wait(params: { step: StepRecord; workerId: string; now: Date; lookBackFrom: Date }): Promise<{ held: false } | { held: true; resolved: SentEvent | null }> {
    const { step, now } = params;
    const jobId = parseJobId(step.jobId);
    if (jobId === null || step.event === null) return { held: false };
    const event = step.event;
    return this.db.transaction(async (client) => {
      await this.db.query(client, this.sql.lock, [lockKey(event)]);
      if (!(await this.saveFenced(client, step, jobId, params.workerId, now))) return { held: false } as const;
      const sent = (await this.db.all<SentEventRow>(client, this.sql.sentSince, [event, params.lookBackFrom])).map(sentEventFromRow);
      const resolved = sent.find((candidate) => eventMatches(step.match, candidate.payload)) ?? null;
      if (resolved !== null) await this.db.run(client, this.sql.resolve, [jobId, step.name, waitOutput(resolved), now]);
      return { held: true, resolved } as const;
    });
  }

  async deliverEvent(params: { name: string; payload: string; now: Date }): Promise<{ seq: string; resolvedJobIds: string[]; wokenQueues: string[] }> {
    const { name, payload, now } = params;
    return this.db.transaction(async (client) => {
      await this.db.query(client, this.sql.lock, [lockKey(name)]);
      const row = await this.db.one<{ seq: string }>(client, this.sql.send, [name, payload, now]);
      const event: SentEvent = { seq: String(row!.seq), name, payload, sentAt: now };
      const matched = (await this.db.all<StepRow>(client, this.sql.waitingFor, [name, payload.includes('\\u') ? null : payload])).map(stepFromRow).filter((step) => eventMatches(step.match, payload));
      for (const step of matched) await this.db.run(client, this.sql.resolve, [step.jobId, step.name, waitOutput(event), now]);
      const jobIds = unique(matched.map((step) => step.jobId));
      const wokenQueues = jobIds.length === 0 ? [] : unique(await this.wake(client, this.sql.wake, [jobIds, now]));
      return { seq: event.seq, resolvedJobIds: jobIds, wokenQueues };
    });
  }

  async wakeResolved(params: { since: Date; now: Date; limit: number }): Promise<number> {
    return (await this.wake(this.db.pool, this.sql.wakeResolved, [params.since, params.now, boundedLimit(params.limit)])).length;
  }

  async pruneOfPrunedJobs(params: { limit: number }): Promise<number> {
    return this.db.run(this.db.pool, this.sql.pruneOfPrunedJobs, [boundedLimit(params.limit)]);
  }

  async pruneSentEvents(params: { before: Date; limit: number }): Promise<number> {
    return this.db.run(this.db.pool, this.sql.pruneSent, [params.before, boundedLimit(params.limit)]);
  }

  private async saveFenced(db: Queryable, step: StepRecord, jobId: number, workerId: string, now: Date): Promise<boolean> {
    const row = await this.db.one<{ saved: number }>(db, this.sql.save, [
      jobId,
      step.name,
      step.kind,
      step.status,
      step.attempt,
      step.output,
      stepErrorJson(step),
      step.startedAt,
      step.finishedAt,
      step.until,
      step.event,
      step.match,
      workerId,
      now,
      stepEventJson(step),
    ]);
    return row?.saved === 1;
  }

  /** Queue jobs with a statement that returns their queues, and wake the workers of those queues; returns one queue per job. */
  private async wake(db: Queryable, text: string, values: unknown[]): Promise<string[]> {
    const queues = (await this.db.all<{ queue: string }>(db, text, values)).map((row) => row.queue);
    if (queues.length > 0) await this.db.query(db, this.queries.NOTIFY_QUEUES, [unique(queues)]);
    return queues;
  }
}

/** One lock per event name, apart from any other advisory lock of the app. */
function lockKey(event: string): string {
  return `conveyor:event:${event}`;
}
