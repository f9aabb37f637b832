import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { WorkerRecord } from '../store/store.js';
import { defineTask } from '../task.js';
import { inputShape, taskShape } from '../task-shape.js';
import { taskDefinitionFindings, taskShapeFindings } from './task-definitions.js';

const at = new Date('2026-12-04T08:00:00Z');

function worker(id: string, overrides: Partial<WorkerRecord> = {}): WorkerRecord {
  return { id, host: `${id}.internal`, pid: 42, queues: ['default'], tasks: [], concurrency: 1, startedAt: at, lastHeartbeatAt: at, handlersIgnoringAbort: [], dependencies: [], taskShapes: [], ...overrides };
}

const run = async () => null;
const v1 = defineTask({ name: 'reports.export', queue: 'reports', input: z.object({ from: z.string(), to: z.string() }), run });
const v2 = defineTask({ name: 'reports.export', queue: 'reports', input: z.object({ from: z.string(), to: z.string(), groupBy: z.enum(['day', 'month']).optional() }), run });
const onDefault = defineTask({ name: 'reports.export', input: z.object({ from: z.string(), to: z.string() }), run });

describe('inputShape', () => {
  it('gives equal schemas one fingerprint whatever their key order, and names the top-level fields', () => {
    const a = inputShape(z.object({ to: z.string(), from: z.string() }));
    const b = inputShape(z.object({ from: z.string(), to: z.string() }));
    expect(a?.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(a?.fingerprint).toBe(b?.fingerprint);
    expect(inputShape(v2.input)).toEqual({ fingerprint: expect.not.stringMatching(a!.fingerprint), fields: ['from!', 'groupBy', 'to!'] });
  });

  it('is null for a schema that offers no JSON Schema, or one that cannot be converted', () => {
    const bare = { '~standard': { version: 1, vendor: 'hand-made', validate: (value: unknown) => ({ value }) } } as const;
    expect(inputShape(bare)).toBeNull();
    expect(inputShape(z.object({ at: z.date() }))).toBeNull();
  });
});

describe('taskShapeFindings (among live workers)', () => {
  it('warns of a task registered with two input schemas, naming each shape and its workers', () => {
    const findings = taskShapeFindings([
      worker('w-old', { taskShapes: [taskShape(v1)] }),
      worker('w-new', { taskShapes: [taskShape(v2)] }),
      worker('w-new-2', { taskShapes: [taskShape(v2)] }),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', area: 'config', check: 'task-shapes' });
    expect(findings[0]?.cause).toBe(
      `task "reports.export" is defined 2 ways among live workers: queue "reports", input {from!, to!} (${taskShape(v1).input?.fingerprint}) on worker w-old (host w-old.internal, pid 42); ` +
        `queue "reports", input {from!, groupBy, to!} (${taskShape(v2).input?.fingerprint}) on workers w-new (host w-new.internal, pid 42), w-new-2 (host w-new-2.internal, pid 42)`,
    );
    expect(findings[0]?.fix).toContain('may fail validation');
  });

  it('warns of a task registered on two queues, saying where its jobs run', () => {
    const [finding] = taskShapeFindings([worker('a', { taskShapes: [taskShape(v1)] }), worker('b', { taskShapes: [taskShape(onDefault)] })]);
    expect(finding?.cause).toContain('queue "default"');
    expect(finding?.fix).toContain('runs only on the workers whose definition has its queue');
  });

  it('is ok for one definition on many workers, and compares no input a schema could not describe', () => {
    const unknownInput = { ...taskShape(v2), input: null };
    expect(taskShapeFindings([worker('a', { taskShapes: [taskShape(v1)] }), worker('b', { taskShapes: [taskShape(v1), unknownInput] })])).toEqual([
      { severity: 'ok', area: 'config', check: 'task-shapes', cause: 'every task name is defined one way among the live workers (1 task(s) on 2 worker(s))', fix: null },
    ]);
  });
});

describe('taskDefinitionFindings (the --tasks module against live workers)', () => {
  const module = [{ ...taskShape(v2), timeoutMs: 30_000 }];

  it("warns of a worker whose recorded shape differs from the module's", () => {
    const [finding] = taskDefinitionFindings(module, [worker('w-1', { taskShapes: [taskShape(v1)] })]);
    expect(finding).toMatchObject({ severity: 'warning', check: 'task-definitions' });
    expect(finding?.cause).toMatch(/^task "reports.export" has queue "reports", input \{from!, groupBy, to!\} .* in the module, but queue "reports", input \{from!, to!\} .* on worker w-1/);
  });

  it('compares a worker that recorded no shapes by its queues', () => {
    const [finding] = taskDefinitionFindings(module, [worker('w-1', { queues: ['default'], tasks: ['reports.export'] })]);
    expect(finding?.cause).toContain('a task of that name on another queue (it serves default) on worker w-1');
    expect(taskDefinitionFindings(module, [worker('w-1', { queues: ['reports'], tasks: ['reports.export'] })])).toEqual([expect.objectContaining({ severity: 'ok' })]);
    expect(taskDefinitionFindings(module, [worker('w-1', { taskShapes: [taskShape(v2)] })])).toEqual([expect.objectContaining({ severity: 'ok' })]);
  });
});
