/**
 * One task name defined two ways: with different queues, or different input schemas, among the live
 * workers that registered it (each records its tasks' shapes, `src/task-shape.ts`), or between the
 * tasks module given to `conveyor doctor --tasks` and those workers. Jobs of such a task run only on
 * the workers of one definition, or fail validation on the workers of the other. Pure, like
 * `diagnosis.ts`, whose `Finding` these are.
 */
import type { TaskShape, WorkerRecord } from '../store/store.js';
import { describeShape, shapesDiffer } from '../task-shape.js';
import { ok, type Finding, type TaskDefinition } from './diagnosis.js';

interface Variant {
  shape: TaskShape;
  workers: WorkerRecord[];
}

/** Each task name that live workers registered with shapes that differ (queue, or a known input fingerprint). */
export function taskShapeFindings(liveWorkers: readonly WorkerRecord[]): Finding[] {
  const byName = new Map<string, Variant[]>();
  for (const worker of liveWorkers) {
    for (const shape of worker.taskShapes) {
      const variants = byName.get(shape.name) ?? [];
      const same = variants.find((variant) => !shapesDiffer(variant.shape, shape) && variant.shape.input?.fingerprint === shape.input?.fingerprint);
      if (same === undefined) variants.push({ shape, workers: [worker] });
      else same.workers.push(worker);
      byName.set(shape.name, variants);
    }
  }
  const conflicts = [...byName.entries()].filter(([, variants]) => variants.some((a) => variants.some((b) => shapesDiffer(a.shape, b.shape))));
  if (conflicts.length === 0) return [ok('config', 'task-shapes', `every task name is defined one way among the live workers (${byName.size} task(s) on ${liveWorkers.length} worker(s))`)];
  return conflicts.map(([name, variants]) => ({
    severity: 'warning',
    area: 'config',
    check: 'task-shapes',
    cause: `task "${name}" is defined ${variants.length} ways among live workers: ${variants.map((variant) => `${describeShape(variant.shape)} on ${describeWorkers(variant.workers)}`).join('; ')}`,
    fix: fixFor(name, variants.map((variant) => variant.shape)),
  }));
}

/**
 * A task of the module that a live worker registered with another shape. A worker that recorded no
 * shapes is compared by its queue list, as before shapes were recorded.
 */
export function taskDefinitionFindings(tasks: readonly TaskDefinition[], liveWorkers: readonly WorkerRecord[]): Finding[] {
  const conflicts = tasks.flatMap((task) => {
    const elsewhere = liveWorkers.flatMap((worker): Array<{ worker: WorkerRecord; shape: TaskShape | null }> => {
      const shape = worker.taskShapes.find((candidate) => candidate.name === task.name);
      if (shape !== undefined) return shapesDiffer(task, shape) ? [{ worker, shape }] : [];
      return worker.tasks.includes(task.name) && !worker.queues.includes(task.queue) ? [{ worker, shape: null }] : [];
    });
    return elsewhere.length === 0 ? [] : [{ task, elsewhere }];
  });
  if (conflicts.length === 0) return [ok('config', 'task-definitions', `every task of the module that a live worker runs has the same queue and input there (${tasks.length} task(s))`)];
  return conflicts.map(({ task, elsewhere }) => ({
    severity: 'warning',
    area: 'config',
    check: 'task-definitions',
    cause: `task "${task.name}" has ${describeShape(task)} in the module, but ${elsewhere
      .map(({ worker, shape }) => `${shape === null ? `a task of that name on another queue (it serves ${worker.queues.join(', ')})` : describeShape(shape)} on ${describeWorkers([worker])}`)
      .join('; ')}`,
    fix: fixFor(task.name, [task, ...elsewhere.flatMap(({ shape }) => (shape === null ? [] : [shape]))]),
  }));
}

function describeWorkers(workers: readonly WorkerRecord[]): string {
  return `worker${workers.length === 1 ? '' : 's'} ${workers.map((worker) => `${worker.id} (host ${worker.host}, pid ${worker.pid})`).join(', ')}`;
}

function fixFor(name: string, shapes: readonly TaskShape[]): string {
  const queues = new Set(shapes.map((shape) => shape.queue));
  const consequence = queues.size > 1 ? `: until then a job of "${name}" runs only on the workers whose definition has its queue` : ': until then a job valid for one definition may fail validation on the workers of the other';
  return `define "${name}" once, in a module every worker and producer imports, and deploy it to every worker (a rolling deploy shows this until the old workers stop); if they are two tasks, give them different names${consequence}`;
}
