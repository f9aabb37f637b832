/**
 * Reading back what the pipeline wrote, for the runner's printout and the test's checks: the
 * analysis rows of some traces, and how many times each step's body ran for them.
 */
import type pg from 'pg';
import type { ServiceSummary } from './scoring.js';
import { ANALYSIS_STEPS, type AnalysisStep } from './tasks.js';

/** A pool made by `openIncidentsPool`, or a client whose search_path is the example's schema. */
type Queryable = Pick<pg.Pool, 'query'>;

export interface AnalysisRow {
  traceId: string;
  logCount: number;
  services: ServiceSummary[];
  severity: number;
  level: string;
  jobId: string;
  jobAttempt: number;
  analysedAt: Date;
}

/** The analysis rows of these traces (every row, so a second row for a trace would show). */
export async function analysisRows(db: Queryable, traceIds: string[]): Promise<AnalysisRow[]> {
  const { rows } = await db.query<{
    trace_id: string;
    log_count: number;
    services: ServiceSummary[];
    severity: number;
    level: string;
    job_id: string;
    job_attempt: number;
    analysed_at: Date;
  }>('SELECT * FROM analysis_results WHERE trace_id = ANY($1) ORDER BY analysed_at, trace_id', [traceIds]);
  return rows.map((row) => ({
    traceId: row.trace_id,
    logCount: row.log_count,
    services: row.services,
    severity: row.severity,
    level: row.level,
    jobId: row.job_id,
    jobAttempt: row.job_attempt,
    analysedAt: row.analysed_at,
  }));
}

export type StepRunCounts = Record<AnalysisStep, number>;

/** Per trace, how many times each step's body ran (0 for a step that never ran). */
export async function stepRunCounts(db: Queryable, traceIds: string[]): Promise<Map<string, StepRunCounts>> {
  const { rows } = await db.query<{ trace_id: string; step: AnalysisStep; runs: string }>(
    'SELECT trace_id, step, count(*) AS runs FROM step_runs WHERE trace_id = ANY($1) GROUP BY trace_id, step',
    [traceIds],
  );
  const counts = new Map<string, StepRunCounts>(traceIds.map((traceId) => [traceId, emptyCounts()]));
  for (const row of rows) counts.get(row.trace_id)![row.step] = Number(row.runs);
  return counts;
}

/** How many log lines are stored for these traces. */
export async function storedLineCount(db: Queryable, traceIds: string[]): Promise<number> {
  const { rows } = await db.query<{ lines: string }>('SELECT count(*) AS lines FROM incident_logs WHERE trace_id = ANY($1)', [traceIds]);
  return Number(rows[0]?.lines ?? 0);
}

function emptyCounts(): StepRunCounts {
  return Object.fromEntries(ANALYSIS_STEPS.map((step) => [step, 0])) as StepRunCounts;
}
