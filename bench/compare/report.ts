/** The results document: machine, settings of every system, the tables and the goals; printed and written to bench/results/<date>.md. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GoalSection } from './goals.js';
import type { ResultTable } from './results.js';

/** How each system was set up, as the adapters do it (bench/compare/adapters/). */
export const SYSTEM_SETTINGS: Record<string, string> = {
  'conveyor-sqlite': 'Conveyor-SQLite: a fresh temporary file per measurement; WAL, synchronous=full; worker defaults (poll 200 ms) at the given concurrency; `enqueueMany` in calls of 1000.',
  'conveyor-postgres': 'Conveyor-PostgreSQL: a fresh schema per measurement; store defaults (pool of 10, LISTEN/NOTIFY); `enqueueMany` in calls of 1000.',
  bullmq: 'BullMQ: a fresh key prefix per measurement (obliterated after); `Queue.addBulk` in calls of 1000, `Queue.add`; jobs with `removeOnComplete: true`; `Worker({ concurrency })`.',
  'graphile-worker':
    'graphile-worker: a fresh schema per measurement; `addJobs` in calls of 1000, `addJob`; `run()` with preset.worker `{ concurrentJobs, maxPoolSize: max(10, concurrency + 2), localQueue: { size: 100 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 }` (its performance page), LISTEN/NOTIFY with the default 2 s poll as fallback.',
  'pg-boss':
    'pg-boss: a fresh schema per measurement; `new PgBoss({ useListenNotify: true })`, `createQueue(name, { notify: true })`; `insert` in calls of 1000, `send`; `work(name, { localConcurrency: concurrency, batchSize: 100, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 })`.',
};

export interface ReportParts {
  date: string;
  command: string;
  machine: string[];
  settings: string[];
  skipped: string[];
  tables: ResultTable[];
  goals: GoalSection[];
  elapsedSeconds: number;
}

export function renderReport(parts: ReportParts): string {
  const bullets = (lines: string[]): string[] => lines.map((line) => `- ${line}`);
  return [
    `# Conveyor against BullMQ, graphile-worker and pg-boss — ${parts.date}`,
    '',
    `\`${parts.command}\`, ${Math.round(parts.elapsedSeconds)} s. Medians over interleaved rounds (systems A B C … in each round).`,
    '× is a row\'s figure divided by its reference: Conveyor on the same store family (Redis rows by Conveyor-PostgreSQL), or the first row of',
    'the same store in the scale table. Above 1 is faster for jobs/s, slower for latencies and costs. On 2 shared cores, differences under',
    '~1.5× between single runs are noise.',
    '',
    '## Machine',
    '',
    ...bullets(parts.machine),
    '',
    '## Systems',
    '',
    ...bullets(parts.settings),
    ...(parts.skipped.length === 0 ? [] : ['', ...bullets(parts.skipped.map((line) => `Skipped — ${line}`))]),
    '',
    '## Results',
    '',
    ...parts.tables.filter((table) => !table.empty).flatMap((table) => [table.render(), '']),
    ...parts.goals.flatMap((section) => [`## ${section.title}`, '', ...bullets(section.lines), '']),
  ].join('\n');
}

/** Local date, YYYY-MM-DD. */
export function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/**
 * Write `bench/results/<date>.md` for a default run; a quick or partial run gets a suffix
 * (`<date>-quick.md`, `<date>-drain.md` …) so it never overwrites the day's full results.
 * Returns the path.
 */
export function writeReport(date: string, suffixes: string[], text: string): string {
  const directory = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(directory, { recursive: true });
  const path = `${directory}${[date, ...suffixes].join('-')}.md`;
  writeFileSync(path, text);
  return path;
}
