/**
 * The analysis task and the worker resource it uses. The ingestion processes import this module to
 * enqueue (they share the task's name, queue, input schema and dedup key), and the worker runs it:
 *
 *   node dist/cli/main.js worker examples/incident-analysis/tasks.ts --store <url>
 *
 * Importing it connects to nothing: the PostgreSQL pool is a worker resource, made when a worker
 * starts and ended when it stops.
 *
 * `INCIDENT_PAUSE_AFTER=<step>` (in the worker's environment) makes each analysis stop after that
 * step and wait until it is aborted, printing a line first: the test uses it to kill a worker between
 * two steps at a moment it knows.
 */
import { defineTask, discard, type ResourceDefinition, type TaskContext } from 'conveyor';
import type pg from 'pg';
import { z } from 'zod';
import { openIncidentsPool } from './db.js';
import { analyseLines, type LogLine, type TraceAnalysis } from './scoring.js';
import { readDatabaseSettings } from './settings.js';

declare module 'conveyor' {
  interface Resources {
    /**
     * The example's PostgreSQL tables. Optional because `Resources` is one interface for the whole
     * TypeScript program: every example's tasks module is type-checked together, and a required key
     * here would make the other examples' `satisfies ResourceDefinitions` demand it too. The task
     * checks it is there (see `incidentsDb`).
     */
    incidentsDb?: pg.Pool;
  }
}

/** The durable steps of an analysis, in order. */
export const ANALYSIS_STEPS = ['fetch-logs', 'group-and-score', 'write-result'] as const;
export type AnalysisStep = (typeof ANALYSIS_STEPS)[number];

/** Created when a worker starts (`conveyor worker` reads this export), ended when it stops. */
export const resources = {
  incidentsDb: {
    create: () => openIncidentsPool(readDatabaseSettings()),
    close: (pool) => pool.end(),
  } satisfies ResourceDefinition<pg.Pool>,
};

/** At most this many lines (the newest) go into an analysis: a step's result is kept as JSON, at most 1 MiB (500 × 300 characters of up to 4 bytes stays under it). */
export const MAX_LINES_PER_ANALYSIS = 500;
/** Messages are cut to this many characters in the analysis, for the same reason. */
const MAX_MESSAGE_CHARS = 300;

/** A trace id, as the ingestion API and the task both check it. */
export const TRACE_ID = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits and . _ : - only');

/** What `incident.analyse` returns (kept as the job's result). */
export interface AnalysisOutcome {
  traceId: string;
  logCount: number;
  services: number;
  severity: number;
  level: TraceAnalysis['level'];
  /** False when the trace already had an analysis row (a later job of the same trace writes nothing). */
  written: boolean;
}

/**
 * Analyse one trace, once. Jobs are deduplicated by trace id while unfinished, so a burst of
 * requests from many API processes makes one job; each step's result is kept by Conveyor, so a
 * worker killed mid-analysis does not fetch or score again when the job resumes elsewhere.
 */
export const analyseIncident = defineTask({
  name: 'incident.analyse',
  queue: 'incidents',
  input: z.object({ traceId: TRACE_ID }),
  dedup: { key: ({ traceId }) => traceId },
  retry: { maxAttempts: 5, backoff: { initialMs: 500, factor: 2, maxMs: 10_000 } },
  timeoutMs: 60_000,
  run: async ({ traceId }, ctx): Promise<AnalysisOutcome> => {
    const db = incidentsDb(ctx);
    const run = { traceId, jobId: ctx.job.id, attempt: ctx.job.attempt };

    const fetched = await ctx.step('fetch-logs', async () => {
      const lines = await fetchLines(db, traceId);
      await recordStepRun(db, run, 'fetch-logs');
      return lines;
    });
    // Logs are stored before their job is enqueued, so an empty trace is a trace someone deleted.
    if (fetched.length === 0) throw discard(`no log lines are stored for trace ${traceId}`);
    await pauseIfAsked('fetch-logs', ctx, traceId);

    const analysis = await ctx.step('group-and-score', async () => {
      const scored = analyseLines(fetched);
      await recordStepRun(db, run, 'group-and-score');
      return scored;
    });
    await pauseIfAsked('group-and-score', ctx, traceId);

    const written = await ctx.step('write-result', () => writeResult(db, run, analysis));
    await pauseIfAsked('write-result', ctx, traceId);

    say(
      written
        ? `analysed trace ${traceId}: ${analysis.logCount} line(s) from ${analysis.services.length} service(s), severity ${analysis.severity} (${analysis.level}); job ${ctx.job.id}, attempt ${ctx.job.attempt}`
        : `trace ${traceId} already had an analysis; job ${ctx.job.id} wrote nothing`,
    );
    return { traceId, logCount: analysis.logCount, services: analysis.services.length, severity: analysis.severity, level: analysis.level, written };
  },
});

/** The pool, or an error saying how the worker was started wrong. */
function incidentsDb(ctx: TaskContext): pg.Pool {
  const pool = ctx.resources.incidentsDb;
  if (pool === undefined) {
    throw new Error(
      'The worker has no "incidentsDb" resource: start it with this module\'s `resources` export ' +
        '(`conveyor worker examples/incident-analysis/tasks.ts` does; createWorker({ resources }) otherwise)',
    );
  }
  return pool;
}

/** The trace's newest lines, oldest first. */
async function fetchLines(db: pg.Pool, traceId: string): Promise<LogLine[]> {
  const { rows } = await db.query<{ service: string; message: string; at: Date }>(
    `SELECT service, message, at FROM (
       SELECT id, service, left(message, ${MAX_MESSAGE_CHARS}) AS message, at
       FROM incident_logs WHERE trace_id = $1 ORDER BY at DESC, id DESC LIMIT ${MAX_LINES_PER_ANALYSIS}
     ) newest ORDER BY at, id`,
    [traceId],
  );
  return rows.map((row) => ({ service: row.service, message: row.message, at: row.at.toISOString() }));
}

interface StepRun {
  traceId: string;
  jobId: string;
  attempt: number;
}

/** One row per execution of a step's body: how a test tells a re-run from a kept result. */
async function recordStepRun(db: pg.Pool | pg.PoolClient, run: StepRun, step: AnalysisStep): Promise<void> {
  await db.query('INSERT INTO step_runs (trace_id, job_id, attempt, step, pid) VALUES ($1, $2, $3, $4, $5)', [run.traceId, run.jobId, run.attempt, step, process.pid]);
}

/** Insert the trace's analysis row (a trace that has one keeps it) and record the run, in one transaction. */
async function writeResult(db: pg.Pool, run: StepRun, analysis: TraceAnalysis): Promise<boolean> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const inserted = await client.query(
      `INSERT INTO analysis_results (trace_id, log_count, services, severity, level, first_seen, last_seen, job_id, job_attempt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (trace_id) DO NOTHING`,
      [run.traceId, analysis.logCount, JSON.stringify(analysis.services), analysis.severity, analysis.level, analysis.firstSeen, analysis.lastSeen, run.jobId, run.attempt],
    );
    await recordStepRun(client, run, 'write-result');
    await client.query('COMMIT');
    return inserted.rowCount === 1;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The step `INCIDENT_PAUSE_AFTER` names, checked when the module loads so a typo stops the worker at once. */
const PAUSE_AFTER = readPauseAfter(process.env.INCIDENT_PAUSE_AFTER);

function readPauseAfter(value: string | undefined): AnalysisStep | null {
  if (value === undefined || value === '') return null;
  if (!(ANALYSIS_STEPS as readonly string[]).includes(value)) {
    throw new Error(`INCIDENT_PAUSE_AFTER must name a step of incident.analyse (${ANALYSIS_STEPS.join(', ')}), got ${JSON.stringify(value)}`);
  }
  return value as AnalysisStep;
}

/** With `INCIDENT_PAUSE_AFTER=<step>`: say so, then hold the job until it is aborted (or the process killed). */
async function pauseIfAsked(step: AnalysisStep, ctx: TaskContext, traceId: string): Promise<void> {
  if (PAUSE_AFTER !== step) return;
  say(`paused after ${step}: job ${ctx.job.id}, attempt ${ctx.job.attempt}, trace ${traceId}, pid ${process.pid}; waiting until aborted`);
  await new Promise<never>((_, reject) => {
    const abort = (): void => reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted'));
    if (ctx.signal.aborted) abort();
    else ctx.signal.addEventListener('abort', abort, { once: true });
  });
}

/** One line on the worker's stdout. */
function say(line: string): void {
  process.stdout.write(`incident-analysis: ${line}\n`);
}
