/** A job as `conveyor status` prints it for people. */
import type { Job } from '../job.js';

export function formatJob(job: Job): string {
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
  return lines.join('\n');
}
