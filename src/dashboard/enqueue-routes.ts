/**
 * The new-job form and "Enqueue a copy": GET shows the form (a task picker without `task`; with
 * `copyOf` the job's task and input), POST enqueues through `conveyor.enqueue`, so the task's own
 * schema validates the input exactly as for the API (F5). A refused input re-renders the form with
 * each problem next to its field and nothing enqueued (400); an enqueued job redirects to its page.
 * Only tasks the server was started with can be enqueued here: they are the ones it can validate.
 */
import { Hono, type Context } from 'hono';
import { ConveyorConfigError, ConveyorValidationError } from '../errors.js';
import type { ServerDeps } from '../server/deps.js';
import type { Task } from '../task.js';
import { setFlash } from './cookies.js';
import { inputFields, inputFromValues, inputJsonSchema, placeIssues, valuesFromInput, type FormValues } from './job-input-form.js';
import { notFoundPage, respondWithPage } from './layout.js';
import { enqueueFormPage, taskPickerPage, type EnqueueFormOptions } from './pages/enqueue-form.js';
import { ENQUEUE_PAGE_PATH, jobPagePath } from './paths.js';

const NO_OPTIONS: EnqueueFormOptions = { priority: '', runAt: '' };

export function enqueueRoutes({ conveyor, onEnqueued }: ServerDeps): Hono {
  const app = new Hono();
  const findTask = (name: string | undefined): Task | undefined => conveyor.listTasks().find((task) => task.name === name);

  app.get(ENQUEUE_PAGE_PATH, async (c) => {
    const copyOf = c.req.query('copyOf');
    const asJson = c.req.query('view') === 'json';
    if (copyOf !== undefined) {
      const job = await conveyor.getJob(copyOf);
      if (job === null) return respondWithPage(c, notFoundPage('jobs', 'No such job', `There is no job with id "${copyOf.slice(0, 40)}" to copy; it may have been pruned.`));
      const task = findTask(job.task);
      if (task === undefined) return unknownTask(c, job.task);
      const form = formFor(task, asJson);
      return respondWithPage(c, enqueueFormPage({ ...form, values: valuesFromInput(form.fields, job.input), options: { ...NO_OPTIONS, priority: String(job.priority) }, issues: new Map(), copyOf: job.id }));
    }
    const name = c.req.query('task');
    if (name === undefined) return respondWithPage(c, taskPickerPage(conveyor.listTasks()));
    const task = findTask(name);
    if (task === undefined) return unknownTask(c, name);
    return respondWithPage(c, enqueueFormPage({ ...formFor(task, asJson), values: new Map(), options: NO_OPTIONS, issues: new Map(), copyOf: null }));
  });

  app.post(ENQUEUE_PAGE_PATH, async (c) => {
    const body = await c.req.parseBody();
    const values: FormValues = new Map(Object.entries(body).flatMap(([key, value]) => (typeof value === 'string' ? [[key, value] as const] : [])));
    const task = findTask(values.get('task'));
    if (task === undefined) return unknownTask(c, values.get('task') ?? '');
    const form = formFor(task, values.get('view') === 'json');
    const options: EnqueueFormOptions = { priority: values.get('priority') ?? '', runAt: values.get('runAt') ?? '' };
    const copyOf = values.get('copyOf') ?? null;
    const refuse = (issues: ReadonlyMap<string, readonly string[]>) => respondWithPage(c, enqueueFormPage({ ...form, values, options, issues, copyOf }));

    const { input, issues } = inputFromValues(form.fields, values);
    const parsedOptions = parseOptions(options);
    if (issues.length > 0 || parsedOptions.issues.size > 0) return refuse(mergeIssues(placeIssues(form.fields, issues), parsedOptions.issues));
    try {
      const result = await conveyor.enqueue(task.name, input, parsedOptions.value);
      onEnqueued?.([result]);
      const { job } = result;
      setFlash(c, {
        kind: 'ok',
        text: result.duplicate ? `An unfinished ${task.name} job with the same dedup key exists: this is it, and nothing new was enqueued.` : `Enqueued job #${job.id} (${job.state}).`,
      });
      return c.redirect(jobPagePath(job.id), 303);
    } catch (error) {
      if (error instanceof ConveyorValidationError) return refuse(placeIssues(form.fields, error.issues));
      if (error instanceof ConveyorConfigError) return refuse(new Map([[error.setting.endsWith('priority') ? 'priority' : '', [error.message]]]));
      throw error;
    }
  });

  return app;
}

/** The form's shape for a task: fields from its JSON Schema, or one JSON text area (no schema, or asked for). */
function formFor(task: Task, asJson: boolean): { task: Task; fields: ReturnType<typeof inputFields>; formAvailable: boolean } {
  const fields = inputFields(inputJsonSchema(task.input));
  return { task, fields: asJson ? null : fields, formAvailable: fields !== null };
}

function unknownTask(c: Context, name: string): Response {
  return respondWithPage(
    c,
    notFoundPage('jobs', 'Unknown task', `This server does not know a task named "${name.slice(0, 80)}", so it cannot check a job's input for it: start the server with that task among its definitions.`),
  );
}

/** Priority (a whole number) and run at (a UTC date and time), each empty for the task's default and now. */
function parseOptions(options: EnqueueFormOptions): { value: { priority?: number; runAt?: Date }; issues: Map<string, string[]> } {
  const issues = new Map<string, string[]>();
  const value: { priority?: number; runAt?: Date } = {};
  if (options.priority.trim() !== '') {
    const priority = Number(options.priority.trim());
    if (Number.isInteger(priority)) value.priority = priority;
    else issues.set('priority', [`"${options.priority.slice(0, 20)}" is not a whole number; e.g. 0, 10 or -5`]);
  }
  if (options.runAt.trim() !== '') {
    const runAt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(options.runAt.trim()) ? new Date(`${options.runAt.trim()}Z`) : new Date(Number.NaN);
    if (Number.isNaN(runAt.getTime())) issues.set('runAt', [`"${options.runAt.slice(0, 30)}" is not a date and time; e.g. 2026-12-24T18:00 (UTC)`]);
    else value.runAt = runAt;
  }
  return { value, issues };
}

function mergeIssues(...maps: ReadonlyArray<ReadonlyMap<string, readonly string[]>>): Map<string, string[]> {
  const merged = new Map<string, string[]>();
  for (const map of maps) for (const [name, list] of map) merged.set(name, [...(merged.get(name) ?? []), ...list]);
  return merged;
}

