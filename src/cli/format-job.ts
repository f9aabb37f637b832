/** A job as `conveyor status` prints it for people. */
import type { Job } from '../job.js';
import type { StepRecord } from '../store/store-records.js';
import { formatTable, oneLine } from './table.js';

/** The job, then its durable steps (`ctx.step`, sleeps, waits) one a line, when it has any. */
export function formatJob(job: Job, steps: readonly StepRecord[] = []): string {
  const rows: Array<[string, string]> = [
    ['state', job.state + (job.cancelRequestedAt !== null && job.state === 'running' ? ' (cancel requested)' : '')],
    ['attempt', `${job.attempt}/${job.maxAttempts}`],
    ['priority', String(job.priority)],
  ];
  if (job.dedupKey !== null) rows.push(['dedup key', job.dedupKey]);
  if (job.concurrencyKey !== null) rows.push(['concurrency key', job.concurrencyKey]);
  if (job.progress !== null) rows.push(['progress', `${Math.round(job.progress.fraction * 100)}%${job.progress.message === null ? '' : ` ${job.progress.message}`}`]);
  rows.push(['created', job.createdAt.toISOString()]);
  if (job.state === 'scheduled' || job.state === 'failed') rows.push(['runs at', job.runAt.toISOString()]);
  if (job.startedAt !== null) rows.push(['started', job.startedAt.toISOString()]);
  if (job.finishedAt !== null) rows.push(['finished', job.finishedAt.toISOString()]);
  if (job.workerId !== null) rows.push(['worker', job.workerId]);
  rows.push(['input', JSON.stringify(job.input)]);
  if (job.result !== null) rows.push(['result', JSON.stringify(job.result)]);
  const lines = [`job ${job.id} (${job.task}, queue ${job.queue})`, ...rows.map(([label, value]) => `  ${label.padEnd(10)} ${value}`)];
  if (job.errors.length > 0) {
    lines.push(`  errors (${job.errors.length})`);
    for (const error of job.errors) lines.push(`    attempt ${error.attempt} at ${error.at.toISOString()}: ${error.message}`);
  }
  if (steps.length > 0) {
    lines.push(`  steps (${steps.length})`);
    const table = formatTable(['name', 'kind', 'status', 'attempt', 'took', 'until / event / error'], steps.map(stepRow));
    lines.push(...table.split('\n').map((line) => `    ${line}`));
  }
  return lines.join('\n');
}

/** Most characters of a step's error message on its line; `--json` has it whole. */
const STEP_ERROR_CHARS = 120;

function stepRow(step: StepRecord): string[] {
  const took = step.finishedAt === null ? '-' : formatMs(step.finishedAt.getTime() - step.startedAt.getTime());
  const notes: string[] = [];
  if (step.event !== null) notes.push(`event ${step.event}${step.match === null ? '' : ` ${step.match}`}`);
  if (step.until !== null) notes.push(`${step.kind === 'wait' ? 'deadline' : 'until'} ${step.until.toISOString()}`);
  if (step.error !== null) notes.push(`error: ${oneLine(step.error.message, STEP_ERROR_CHARS)}`);
  return [step.name, step.kind, step.status, String(step.attempt), took, notes.join(', ')];
}

/** `850 ms`, `12.3 s`, `4 min 5 s`. */
function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
