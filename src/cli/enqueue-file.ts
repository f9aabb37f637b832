/**
 * `conveyor enqueue --file jobs.ndjson`: one job a line, shaped as an item of `POST /jobs/bulk`
 * (`{"task":"email.send","input":{…},"options":{"priority":10}}`). Every line is checked first (its
 * JSON, its shape, its task, its input against the task's schema, its options), then every job is
 * stored in one transaction: all or none.
 */
import { readFileSync } from 'node:fs';
import { buildJobInsert, type EnqueueOptions } from '../client/enqueue.js';
import type { EnqueueItem } from '../conveyor.js';
import { ConveyorError } from '../errors.js';
import { EnqueueRequestSchema } from '../server/routes/job-schemas.js';
import type { Task } from '../task.js';
import { startProgress } from './progress.js';

/** Some lines of the file cannot be enqueued; nothing was. */
export class EnqueueFileError extends ConveyorError {
  override name = 'EnqueueFileError';
}

/** Lines reported at most: past a few, the rest are likely the same mistake. */
const MAX_REPORTED_LINES = 20;
const LINE_EXAMPLE = '{"task":"email.send","input":{"to":"ada@example.com"},"options":{"priority":10}}';

/** Read and check every line of `path`; throws an `EnqueueFileError` naming each bad line (up to 20). */
export async function readJobFile(path: string, tasks: readonly Task[]): Promise<EnqueueItem[]> {
  const lines = readLines(path);
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const items: EnqueueItem[] = [];
  const problems: string[] = [];
  const progress = startProgress('validated', lines.length);
  const now = new Date();
  try {
    for (const [index, { number, text }] of lines.entries()) {
      const problem = await checkLine(text, byName, now, (item) => items.push(item));
      if (problem !== null) problems.push(`line ${number}: ${problem}`);
      progress.update(index + 1);
    }
  } finally {
    progress.end();
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_LINES);
    const more = problems.length > shown.length ? [`  … and ${problems.length - shown.length} more`] : [];
    throw new EnqueueFileError(
      [`${path}: ${problems.length} of ${lines.length} line(s) cannot be enqueued, so nothing was. Each line is one job, e.g. ${LINE_EXAMPLE}`, ...shown.map((line) => `  ${line}`), ...more].join('\n'),
    );
  }
  return items;
}

function readLines(path: string): Array<{ number: number; text: string }> {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EnqueueFileError(`--file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a file with one job per line, e.g. ${LINE_EXAMPLE}`);
  }
  const lines = content
    .split('\n')
    .map((text, index) => ({ number: index + 1, text: text.trim() }))
    .filter((line) => line.text !== '');
  if (lines.length === 0) throw new EnqueueFileError(`--file ${path}: holds no jobs; give one job per line, e.g. ${LINE_EXAMPLE}`);
  return lines;
}

/** What is wrong with one line, or null after handing its item to `accept`. */
async function checkLine(text: string, tasks: Map<string, Task>, now: Date, accept: (item: EnqueueItem) => void): Promise<string | null> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `is not valid JSON (${(error as Error).message})`;
  }
  const parsed = EnqueueRequestSchema.safeParse(value);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${issue.path.length === 0 ? '(line)' : issue.path.join('.')}: ${issue.message}`).join('; ');
  }
  const task = tasks.get(parsed.data.task);
  if (task === undefined) return `unknown task "${parsed.data.task}"; the module exports ${[...tasks.keys()].map((name) => `"${name}"`).join(', ')}`;
  const { runAt, ...rest } = parsed.data.options ?? {};
  const options: EnqueueOptions = runAt === undefined ? rest : { ...rest, runAt: new Date(runAt) };
  try {
    // The checks enqueueMany makes again, here so that each problem is tied to its line.
    await buildJobInsert(task, parsed.data.input, options, now, null);
  } catch (error) {
    if (error instanceof ConveyorError) return error.message;
    throw error;
  }
  accept({ task, input: parsed.data.input, options });
  return null;
}
