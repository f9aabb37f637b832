/**
 * Loads a user's task module (JavaScript, or TypeScript through tsx) and collects what a worker
 * needs from it: every exported task, or array of tasks, and an optional `resources` export; and
 * the events its jobs wait for (each made by defineEvent, or an array of them such as
 * `export const events = [...]`), which `serve`, `dev` and `send-event` declare so payloads are checked.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConveyorConfigError } from '../errors.js';
import type { EventDefinition } from '../step.js';
import type { Task } from '../task.js';
import type { WorkerOptions } from '../worker/options.js';

export interface TaskModule {
  /** The module as the user named it. */
  specifier: string;
  /** Each task once, ordered by export name (as a module namespace lists them). */
  tasks: Task[];
  resources: WorkerOptions['resources'];
  /** Each exported event definition once, in export order; empty when it declares none. */
  events: EventDefinition[];
}

/** Files tsx must compile; any other module is imported by Node itself. */
const TYPESCRIPT_FILE = /\.(?:ts|mts|cts|tsx)$/;

const TASK_EXAMPLE = "export const sendEmail = defineTask({ name: 'email.send', input: z.object({ to: z.email() }), run })";

/** Import `specifier` (resolved against `cwd`) and collect its tasks; throws when it exports none. */
export async function loadTaskModule(specifier: string, cwd: string = process.cwd()): Promise<TaskModule> {
  const path = resolve(cwd, specifier);
  if (!existsSync(path)) {
    throw new ConveyorConfigError(`<module> ${JSON.stringify(specifier)}`, `does not exist (looked for ${path})`, 'src/tasks.ts');
  }
  // A global (not namespaced) tsx registration, so the module's `import … from 'conveyor'` gets the
  // very modules this CLI runs on: with tsImport's private copy, `instanceof PermanentJobError` in
  // the worker would not recognise the error a handler throws. Only for TypeScript: tsx's loader
  // thread costs an idle worker about half a percent of a core (bench:compare's idle workload), which
  // a JavaScript module should not pay.
  if (TYPESCRIPT_FILE.test(path)) (await importTsx(specifier)).register();
  const exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const tasks = collectTasks(exports);
  if (tasks.length === 0) {
    throw new ConveyorConfigError(
      `<module> ${JSON.stringify(specifier)}`,
      'exports no tasks; export each task made by defineTask, or an array of them (and optionally `export const resources`)',
      TASK_EXAMPLE,
    );
  }
  return { specifier, tasks, resources: readResources(specifier, exports.resources), events: collectEvents(exports) };
}

/**
 * A task made by defineTask, recognised by shape: the module may hold its own copy of Conveyor
 * (see `isConveyorError`), so `instanceof`-style checks would miss it.
 */
export function isTask(value: unknown): value is Task {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const input = candidate.input as { '~standard'?: { validate?: unknown } } | undefined;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.queue === 'string' &&
    typeof candidate.run === 'function' &&
    typeof candidate.retry === 'object' &&
    typeof input?.['~standard']?.validate === 'function'
  );
}

/**
 * An event made by defineEvent, recognised by shape as tasks are: a name, and a payload schema
 * implementing Standard Schema (a task has an `input` schema and a `run`, never a `payload`).
 */
export function isEventDefinition(value: unknown): value is EventDefinition {
  if (typeof value !== 'object' || value === null || isTask(value)) return false;
  const candidate = value as Record<string, unknown>;
  const payload = candidate.payload as { '~standard'?: { validate?: unknown } } | undefined;
  return typeof candidate.name === 'string' && typeof payload?.['~standard']?.validate === 'function';
}

function collectEvents(exports: Record<string, unknown>): EventDefinition[] {
  const found = new Set<EventDefinition>();
  for (const value of Object.values(exports)) {
    if (isEventDefinition(value)) found.add(value);
    else if (Array.isArray(value) && value.length > 0 && value.every(isEventDefinition)) value.forEach((event) => found.add(event));
  }
  return [...found];
}

function collectTasks(exports: Record<string, unknown>): Task[] {
  const found = new Set<Task>();
  for (const value of Object.values(exports)) {
    if (isTask(value)) found.add(value);
    else if (Array.isArray(value) && value.length > 0 && value.every(isTask)) value.forEach((task) => found.add(task));
  }
  return [...found];
}

function readResources(specifier: string, value: unknown): WorkerOptions['resources'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConveyorConfigError(
      `${specifier} export "resources"`,
      `must be an object of { create, close? } definitions, got ${Array.isArray(value) ? 'an array' : typeof value}`,
      'export const resources = { db: { create: () => new pg.Pool(), close: (pool) => pool.end() } }',
    );
  }
  return value as WorkerOptions['resources'];
}

/** tsx, an optional dependency: only TypeScript task modules need it. */
async function importTsx(specifier: string): Promise<typeof import('tsx/esm/api')> {
  try {
    return await import('tsx/esm/api');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConveyorConfigError(
      `<module> ${JSON.stringify(specifier)}`,
      'is TypeScript, and loading TypeScript needs tsx, an optional dependency of conveyor that is not installed: install it (npm install tsx), or compile the module and give its .js file',
      'dist/tasks.js',
    );
  }
}
