/**
 * With no OpenTelemetry SDK registered (this file never registers one; vitest runs each file in a
 * process of its own), tracing costs nothing: no trace context is stored, the handler runs as
 * without tracing, and the API hands out no valid span.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chain, flowStep } from '../client/flows.js';
import { defineTask } from '../task.js';
import { useHarness } from '../testing/worker-conformance/helpers.js';

describe('tracing with no SDK', () => {
  const t = useHarness(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-no-sdk-'));
    return { storeUrl: `sqlite:${join(dir, 'conveyor.db')}`, destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  });

  it('stores no trace context on any enqueue path, and the handler, its steps and its spans run as usual', async () => {
    const seen: Array<{ valid: boolean; step: number }> = [];
    const task = defineTask({
      name: 'untraced',
      input: z.object({ n: z.number() }),
      run: async (input, ctx) => {
        const step = await ctx.step('double', () => input.n * 2);
        const valid = trace.getTracer('app').startActiveSpan('handler work', (span) => (span.end(), isSpanContextValid(span.spanContext())));
        seen.push({ valid, step });
        return step;
      },
    });
    const conveyor = await t.open();
    const single = await conveyor.enqueue(task, { n: 1 });
    const many = await conveyor.enqueueMany([{ task, input: { n: 2 } }]);
    const flow = await conveyor.flows.enqueue(chain(flowStep(task, { n: 3 }), flowStep(task, { n: 4 })));
    const ids = [single.job.id, ...many.map((result) => result.job.id), ...flow.jobs.map((job) => job.id)];
    for (const id of ids) expect((await conveyor.store.jobs.get({ id }))?.traceContext, `job ${id}'s stored trace context`).toBeNull();

    await t.startWorker(conveyor, { tasks: [task] });
    for (const id of ids) expect(await conveyor.waitFor(id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded' });
    expect(seen.map((run) => run.step).sort()).toEqual([2, 4, 6, 8]);
    expect(seen.every((run) => !run.valid)).toBe(true);
  });
});

describe('tracerProviderRegistered', () => {
  it('is false with no SDK, true once a provider is registered, false again once it is disabled', async () => {
    const { tracerProviderRegistered } = await import('./registered.js');
    const { installTestTracing } = await import('../testing/tracing-sdk.js');
    expect(tracerProviderRegistered()).toBe(false);
    const tracing = installTestTracing();
    try {
      expect(tracerProviderRegistered()).toBe(true);
    } finally {
      await tracing.uninstall();
    }
    expect(tracerProviderRegistered()).toBe(false);
  });
});
