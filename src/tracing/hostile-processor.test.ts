/**
 * An app's span processor that throws (on every span start and end) must not fail an enqueue, an
 * attempt or a step: the jobs run and are stored as without tracing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../task.js';
import { installTestTracing, type TestTracing } from '../testing/tracing-sdk.js';
import { useHarness } from '../testing/worker-conformance/helpers.js';

const throwing: SpanProcessor = {
  onStart: () => {
    throw new Error('span processor onStart failed');
  },
  onEnd: () => {
    throw new Error('span processor onEnd failed');
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};

describe('tracing with a span processor that throws', () => {
  const t = useHarness(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-hostile-otel-'));
    return { storeUrl: `sqlite:${join(dir, 'conveyor.db')}`, destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  });
  let tracing: TestTracing;
  beforeEach(() => {
    tracing = installTestTracing({ processors: [throwing] });
  });
  afterEach(async () => {
    await tracing.uninstall();
  });

  it('enqueues, runs the attempt and its step, and records the outcome all the same', async () => {
    const task = defineTask({ name: 'hostile.otel', input: z.object({ n: z.number() }), run: async (input, ctx) => ctx.step('double', () => input.n * 2) });
    const conveyor = await t.open();
    await t.startWorker(conveyor, { tasks: [task] });
    const { job } = await conveyor.enqueue(task, { n: 21 });
    expect(await conveyor.waitFor(job.id, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: 42 });
  });
});
