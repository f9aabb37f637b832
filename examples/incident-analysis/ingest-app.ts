/**
 * The ingestion API: `POST /incidents` takes one failure log line of a trace, stores it, and makes
 * sure an analysis of that trace is queued. Many processes serve it at once; they agree on "one
 * analysis per trace" only through Conveyor's store, where the dedup key (the trace id) is unique
 * among unfinished jobs.
 *
 * The analysis is enqueued `settleMs` in the future: the lines of one failure arrive as a burst
 * from many services, and the analysis should see the whole burst. The job waits `scheduled` during
 * that window, still holding its dedup key, so every request of the burst joins it.
 *
 * The line is stored before the job is enqueued, not in one transaction with it (Conveyor's store may
 * be a SQLite file): if the enqueue fails, the client gets a 503 and its retry stores the line again,
 * so the analysis may count that line twice, but no trace is left without its analysis job.
 */
import { Conveyor, ConveyorError } from 'conveyor';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type pg from 'pg';
import { z } from 'zod';
import { analyseIncident, TRACE_ID } from './tasks.js';

/** One log line as a client sends it. */
export const incidentBody = z.object({
  traceId: TRACE_ID,
  service: z.string().trim().min(1).max(100),
  message: z.string().min(1).max(10_000),
  at: z.iso.datetime({ offset: true }).optional(),
});
export type IncidentBody = z.infer<typeof incidentBody>;

/** What `POST /incidents` answers with status 202. */
export interface IncidentAccepted {
  jobId: string;
  /** True when the trace already had an unfinished analysis job: this line joined it. */
  duplicate: boolean;
}

/** What a 400 (or 503) carries: the message, and the field at fault when there is one. */
export interface IncidentRejected {
  error: string;
  field?: string;
}

/** The largest request body `POST /incidents` reads: one line with a 10,000-character message fits well. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface IngestAppOptions {
  conveyor: Conveyor;
  db: pg.Pool;
  /** How long a new analysis waits for the rest of its trace's burst. */
  settleMs: number;
  /** Stored with each line and sent as `x-ingest` on each answer: which process took it. */
  name: string;
}

export function createIngestApp({ conveyor, db, settleMs, name }: IngestAppOptions): Hono {
  const app = new Hono();

  app.use(async (c, next) => {
    await next();
    c.header('x-ingest', name);
  });

  app.get('/health', (c) => c.json({ ok: true, name }));

  // A log line is small; a client sending megabytes is answered before its body is read.
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.json({ error: `the body is over ${MAX_BODY_BYTES} bytes; send one log line per request` } satisfies IncidentRejected, 413),
  });

  app.post('/incidents', limit, async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'the body must be JSON: {"traceId":"…","service":"…","message":"…","at":"<ISO time, optional>"}' } satisfies IncidentRejected, 400);
    }
    const parsed = incidentBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || undefined;
      const rejected: IncidentRejected = field === undefined ? { error: issue.message } : { error: `${field}: ${issue.message}`, field };
      return c.json(rejected, 400);
    }
    const line = parsed.data;
    // The line first: once its job exists, a worker may read the trace at any moment.
    await db.query('INSERT INTO incident_logs (trace_id, service, message, at, received_by) VALUES ($1, $2, $3, $4, $5)', [
      line.traceId,
      line.service,
      line.message,
      line.at ?? new Date().toISOString(),
      name,
    ]);
    const { job, duplicate } = await conveyor.enqueue(analyseIncident, { traceId: line.traceId }, settleMs > 0 ? { delayMs: settleMs } : {});
    return c.json({ jobId: job.id, duplicate } satisfies IncidentAccepted, 202);
  });

  // A database or store that cannot take the line: 503 with what failed, so a client retries later.
  app.onError((error, c) => {
    const what = error instanceof ConveyorError ? 'the job store refused the analysis job' : 'the log line could not be stored';
    console.error(`${name}: POST ${c.req.path} failed: ${error.message}`);
    return c.json({ error: `${what}: ${error.message}` } satisfies IncidentRejected, 503);
  });

  return app;
}
