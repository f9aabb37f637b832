/** `drain()` runs due jobs inline through the worker's code path, and never waits in real time. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../task.js';
import { createTestConveyor, type TestConveyor } from './index.js';

const START = new Date('2026-03-02T09:00:00Z');
let t: TestConveyor | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const double = defineTask({ name: 'math.double', input: z.object({ n: z.number() }), run: ({ n }) => ({ doubled: n * 2 }) });

describe('drain', () => {
  it('runs every due job and returns their outcomes in run order', async () => {
    t = await createTestConveyor({ tasks: [double], now: START });
    const first = await t.conveyor.enqueue(double, { n: 1 });
    const second = await t.conveyor.enqueue(double, { n: 2 });
    const outcomes = await t.drain();
    expect(outcomes.map((o) => [o.job.id, o.state, o.result, o.error])).toEqual([
      [first.job.id, 'succeeded', { doubled: 2 }, null],
      [second.job.id, 'succeeded', { doubled: 4 }, null],
    ]);
    expect(await t.drain()).toEqual([]);
  });

  it('runs a delayed job only once the clock reaches its time, without waiting an hour of real time', async () => {
    t = await createTestConveyor({ tasks: [double], now: START });
    const wallStart = Date.now();
    await t.conveyor.enqueue(double, { n: 5 }, { delayMs: 3_600_000 });
    expect(await t.drain()).toEqual([]);
    t.clock.advance('59m');
    expect(await t.drain()).toEqual([]);
    t.clock.advance('1m');
    const outcomes = await t.drain();
    expect(outcomes.map((o) => o.result)).toEqual([{ doubled: 10 }]);
    expect(Date.now() - wallStart).toBeLessThan(1_000);
  });

  it("leaves a failed attempt failed until its backoff has passed on the clock, then the retry succeeds", async () => {
    let calls = 0;
    const flaky = defineTask({
      name: 'flaky.call',
      input: z.object({}),
      retry: { maxAttempts: 3, backoff: { initialMs: 60_000, factor: 2, maxMs: 3_600_000, jitter: 0 } },
      run: () => {
        calls += 1;
        if (calls === 1) throw new Error('upstream 503');
        return 'ok';
      },
    });
    t = await createTestConveyor({ tasks: [flaky], now: START });
    await t.conveyor.enqueue(flaky, {});
    const [failed, ...rest] = await t.drain();
    expect(rest).toEqual([]);
    expect(failed?.state).toBe('failed');
    expect((failed?.error as Error).message).toBe('upstream 503');
    expect(failed?.job.runAt).toEqual(new Date(START.getTime() + 60_000));
    t.clock.advance('59s');
    expect(await t.drain()).toEqual([]);
    t.clock.advance('1s');
    const retried = await t.drain();
    expect(retried.map((o) => [o.state, o.result, o.job.attempt])).toEqual([['succeeded', 'ok', 2]]);
  });

  it('ends a job dead after its last attempt, with the error', async () => {
    const broken = defineTask({ name: 'always.broken', input: z.object({}), retry: { maxAttempts: 1 }, run: () => { throw new TypeError('bad config'); } });
    t = await createTestConveyor({ tasks: [broken], now: START });
    await t.conveyor.enqueue(broken, {});
    const [dead] = await t.drain();
    expect(dead?.state).toBe('dead');
    expect(dead?.error).toBeInstanceOf(TypeError);
  });

  /** A task each of whose jobs enqueues the next: a drain of it never ends by itself. */
  async function startEndlessLoop(): Promise<TestConveyor> {
    const forever = defineTask({
      name: 'loop.forever',
      input: z.object({ i: z.number() }),
      run: async ({ i }): Promise<void> => {
        await t!.conveyor.enqueue('loop.forever', { i: i + 1 });
      },
    });
    const loop = await createTestConveyor({ tasks: [forever], now: START });
    await loop.conveyor.enqueue(forever, { i: 0 });
    return loop;
  }

  it('stops with an error naming the task when jobs keep coming past maxJobs', async () => {
    t = await startEndlessLoop();
    await expect(t.drain({ maxJobs: 5 })).rejects.toThrow(/drain\(\) ran 5 jobs \(tasks: loop\.forever\) and jobs are still due.*drain\(\{ maxJobs: 5000 \}\)/);
  });

  it('leaves the job past maxJobs queued, its attempt not counted, when it stops', async () => {
    t = await startEndlessLoop();
    await expect(t.drain({ maxJobs: 3 })).rejects.toThrow(/drain\(\) ran 3 jobs \(tasks: loop\.forever\) and jobs are still due/);
    const { jobs } = await t.conveyor.listJobs({ task: 'loop.forever' });
    expect(jobs.map((job) => [job.input, job.state, job.attempt])).toEqual([
      [{ i: 3 }, 'queued', 0],
      [{ i: 2 }, 'succeeded', 1],
      [{ i: 1 }, 'succeeded', 1],
      [{ i: 0 }, 'succeeded', 1],
    ]);
  });

  it('returns without an error when exactly maxJobs jobs were due, or the rest wait in a paused queue', async () => {
    const held = defineTask({ name: 'held.job', queue: 'held', input: z.object({}), run: () => 'ran' });
    t = await createTestConveyor({ tasks: [double, held], now: START });
    await t.conveyor.pauseQueue('held');
    const { job: waiting } = await t.conveyor.enqueue(held, {});
    await t.conveyor.enqueue(double, { n: 1 });
    await t.conveyor.enqueue(double, { n: 2 });
    const outcomes = await t.drain({ maxJobs: 2 });
    expect(outcomes.map((o) => o.result)).toEqual([{ doubled: 2 }, { doubled: 4 }]);
    expect((await t.conveyor.getJob(waiting.id))?.state).toBe('queued');
  });
});
