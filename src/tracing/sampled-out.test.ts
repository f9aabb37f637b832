/**
 * With an SDK whose sampler drops the enqueue's trace, the job still carries its context (sampled
 * flag off), so the worker's parent-based sampler drops the attempt's span and the handler's spans
 * too, instead of recording them as traces of their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { ParentBasedSampler, type Sampler, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../task.js';
import { installTestTracing, type TestTracing } from '../testing/tracing-sdk.js';
import { useHarness } from '../testing/worker-conformance/helpers.js';

/** At the root, drops the enqueue's span and records any other: an attempt that lost its parent would be recorded. */
const dropEnqueues: Sampler = {
  shouldSample: (_context, _traceId, spanName) => ({ decision: spanName.startsWith('send') ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED }),
  toString: () => 'dropEnqueues',
};

describe('tracing with the enqueue sampled out', () => {
  const t = useHarness(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-sampled-out-'));
    return { storeUrl: `sqlite:${join(dir, 'conveyor.db')}`, destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  });
  let tracing: TestTracing;
  beforeEach(() => {
    tracing = installTestTracing({ sampler: new ParentBasedSampler({ root: dropEnqueues }) });
  });
  afterEach(async () => {
    await tracing.uninstall();
  });

  it('stores the unsampled context, and records no span of the attempt or its handler', async () => {
    const task = defineTask({
      name: 'sampled.out',
      input: z.object({}),
      run: async (_input, ctx) => {
        await ctx.step('inner', () => 1);
        return trace.getTracer('app').startActiveSpan('handler work', (span) => (span.end(), span.isRecording()));
      },
    });
    const conveyor = await t.open();
    const { job } = await conveyor.enqueue(task, {});
    expect(job.traceContext).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    await t.startWorker(conveyor, { tasks: [task] });
    expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: false });
    expect(tracing.finished()).toEqual([]);
  });
});
