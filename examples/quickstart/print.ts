/** How the quick start prints what happens: one line per settled attempt, and the store's counts. */
import type { Job, JobCount, JobState, JobStateUpdate } from 'conveyor';

const time = (): string => new Date().toISOString().slice(11, 19);

export function say(line: string): void {
  process.stdout.write(`${time()}  ${line}\n`);
}

const short = (value: unknown, max = 90): string => {
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** One line for an attempt that just ended on the worker. */
export function describeSettled(job: Job, update: JobStateUpdate | null): string {
  const name = `#${job.id} ${job.task}`.padEnd(24);
  const tookMs = update === null || job.startedAt === null ? null : update.at.getTime() - job.startedAt.getTime();
  const took = tookMs === null ? '' : ` in ${tookMs} ms`;
  if (update === null) return `?  ${name} lost its lease; another worker took it over`;
  switch (update.kind) {
    case 'succeeded':
      return `✔  ${name} succeeded${took} (attempt ${job.attempt}/${job.maxAttempts}) → ${short(update.result)}`;
    case 'failed':
      return `↻  ${name} attempt ${job.attempt}/${job.maxAttempts} failed: ${update.error.message}; retrying in ${Math.max(0, update.retryAt.getTime() - Date.now())} ms`;
    case 'dead':
      return `✘  ${name} dead after attempt ${job.attempt}/${job.maxAttempts}: ${update.error.message}`;
    case 'cancelled':
      return `⊘  ${name} cancelled${took}`;
    case 'released':
      return `⏸  ${name} handed back unfinished (worker stopping); it will run again`;
    case 'snoozed':
      return `☾  ${name} snoozed until ${update.runAt.toISOString().slice(11, 19)}; this attempt does not count`;
    case 'requeued':
      return `↻  ${name} attempt ${job.attempt}/${job.maxAttempts} lost its lease: ${update.error.message}`;
  }
}

const SHOWN_STATES: JobState[] = ['waiting', 'scheduled', 'queued', 'running', 'failed', 'succeeded', 'dead', 'cancelled'];
const LABELS: Record<JobState, string> = {
  waiting: 'waiting for children',
  scheduled: 'scheduled',
  queued: 'queued',
  running: 'running',
  failed: 'waiting to retry',
  succeeded: 'succeeded',
  dead: 'dead',
  cancelled: 'cancelled',
};

/** "queued 3 · running 2 · …" over every task and queue; states with no job are left out. */
export function describeCounts(counts: JobCount[]): string {
  const byState = new Map<JobState, number>();
  for (const group of counts) byState.set(group.state, (byState.get(group.state) ?? 0) + group.count);
  const parts = SHOWN_STATES.filter((state) => (byState.get(state) ?? 0) > 0).map((state) => `${LABELS[state]} ${byState.get(state)}`);
  return `jobs in the store: ${parts.length === 0 ? 'none' : parts.join(' · ')}`;
}
