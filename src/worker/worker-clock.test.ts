/**
 * A worker created by a Conveyor with a clock reads job times from it: a retry's backoff and a durable
 * sleep are counted from the clock's time, not the wall clock's (here the clock stands in 2020).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Conveyor } from '../conveyor.js';
import type { Job } from '../job.js';
import { defineTask, type Task } from '../task.js';
import { silentLogger } from '../testkit/silent-logger.js';
import { TestClock } from '../testkit/test-clock.js';
import type { Worker } from './worker.js';

const START = new Date('2020-06-01T12:00:00Z');
const opened: Conveyor[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const conveyor of opened.splice(0)) await conveyor.close();
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
});

async function openOnClock(tasks: Task[]): Promise<{ conveyor: Conveyor; worker: Worker }> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-worker-clock-'));
  directories.push(directory);
  const conveyor = await Conveyor.open({ store: `sqlite:${path.join(directory, 'jobs.db')}`, tasks, logger: silentLogger, clock: new TestClock(START) });
  opened.push(conveyor);
  const worker = conveyor.createWorker({ tasks, maintenance: false });
  return { conveyor, worker };
}

function settledOnce(worker: Worker): Promise<Job> {
  return new Promise((resolve) => worker.once('job-settled', (job) => resolve(job)));
}

describe('a worker on a Conveyor clock', () => {
  it("counts a failed attempt's backoff from the clock's time", async () => {
    const flaky = defineTask({
      name: 'flaky',
      input: z.object({}),
      retry: { maxAttempts: 3, backoff: { initialMs: 60_000, jitter: 0 } },
      run: () => {
        throw new Error('upstream 503');
      },
    });
    const { conveyor, worker } = await openOnClock([flaky]);
    const { job } = await conveyor.enqueue(flaky, {});
    const settled = settledOnce(worker);
    await worker.start();
    await settled;
    const after = await conveyor.getJob(job.id);
    expect([after?.state, after?.runAt]).toEqual(['failed', new Date(START.getTime() + 60_000)]);
  });

  it("sets a durable sleep's wake-up from the clock's time", async () => {
    const sleeper = defineTask({
      name: 'sleeper',
      input: z.object({}),
      run: async (_input, ctx) => {
        await ctx.sleep('an-hour', 3_600_000);
      },
    });
    const { conveyor, worker } = await openOnClock([sleeper]);
    const { job } = await conveyor.enqueue(sleeper, {});
    const settled = settledOnce(worker);
    await worker.start();
    await settled;
    const after = await conveyor.getJob(job.id);
    expect([after?.state, after?.runAt]).toEqual(['scheduled', new Date(START.getTime() + 3_600_000)]);
  });
});
