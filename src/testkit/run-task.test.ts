/** `runTask`: one handler, once, with a real context; validation as at enqueue; results and errors passed through. */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConveyorValidationError } from '../errors.js';
import type { Resources } from '../task.js';
import { defineTask } from '../task.js';
import { createTestConveyor, type TestConveyor } from './index.js';

let t: TestConveyor | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const resize = defineTask({
  name: 'image.resize',
  input: z.object({ width: z.number().int().positive() }),
  run: async ({ width }, ctx) => {
    await ctx.progress(0.5, 'halfway');
    const checksum = await ctx.step('checksum', () => `sum-${width}`);
    await ctx.artifacts.put('thumb.txt', Buffer.from(`thumb ${width}`), { contentType: 'text/plain' });
    return { width, checksum, attempt: ctx.job.attempt, task: ctx.job.task, aborted: ctx.signal.aborted };
  },
});

describe('runTask', () => {
  it('runs the handler with a real context (job, progress, steps, artifacts) and returns its result', async () => {
    t = await createTestConveyor({ tasks: [resize] });
    const result = await t.runTask(resize, { width: 320 });
    expectTypeOf(result).toEqualTypeOf<{ width: number; checksum: string; attempt: number; task: string; aborted: boolean }>();
    expect(result).toEqual({ width: 320, checksum: 'sum-320', attempt: 1, task: 'image.resize', aborted: false });
  });

  it('rejects an input the schema refuses with ConveyorValidationError, before the handler runs', async () => {
    t = await createTestConveyor({ tasks: [resize] });
    const error = await t.runTask(resize, { width: -1 }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConveyorValidationError);
    expect((error as ConveyorValidationError).issues[0]?.path).toBe('width');
  });

  it('throws what the handler threw', async () => {
    const failing = defineTask({ name: 'payments.charge', input: z.object({}), run: () => { throw new RangeError('card declined'); } });
    t = await createTestConveyor({ tasks: [failing] });
    await expect(t.runTask(failing, {})).rejects.toThrow(new RangeError('card declined'));
  });

  it('lets the test set the attempt and the resources', async () => {
    const seen = defineTask({ name: 'context.seen', input: z.object({}), run: (_input, ctx) => ({ attempt: ctx.job.attempt, resources: ctx.resources }) });
    t = await createTestConveyor({ tasks: [seen] });
    const resources = { mailer: { sent: [] } } as unknown as Resources;
    expect(await t.runTask(seen, {}, { attempt: 3, resources })).toEqual({ attempt: 3, resources });
  });

  it("aborts ctx.signal when the test's signal aborts, and throws that the attempt was cancelled", async () => {
    let sawAbort: unknown = null;
    const controller = new AbortController();
    const patient = defineTask({
      name: 'waits.for.abort',
      input: z.object({}),
      run: (_input, ctx) =>
        new Promise<void>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            sawAbort = ctx.signal.reason;
            resolve();
          });
          controller.abort();
        }),
    });
    t = await createTestConveyor({ tasks: [patient] });
    await expect(t.runTask(patient, {}, { signal: controller.signal })).rejects.toThrow('runTask(waits.for.abort): the handler was aborted (cancel)');
    expect(sawAbort).toMatchObject({ name: 'JobAbortedError', reason: 'cancel' });
  });

  it('says to use drain when the handler sleeps durably', async () => {
    const sleeper = defineTask({ name: 'sleepy', input: z.object({}), run: async (_input, ctx) => { await ctx.sleep('nap', 60_000); } });
    t = await createTestConveyor({ tasks: [sleeper] });
    await expect(t.runTask(sleeper, {})).rejects.toThrow(/has no result yet.*drain\(\) with clock\.advance\(\)/);
  });

  it('leaves nothing for drain or enqueued', async () => {
    const failing = defineTask({ name: 'fails.once', input: z.object({}), run: () => { throw new Error('nope'); } });
    t = await createTestConveyor({ tasks: [failing] });
    await t.runTask(failing, {}).catch(() => undefined);
    expect(await t.enqueued()).toEqual([]);
    expect(await t.drain()).toEqual([]);
  });
});
