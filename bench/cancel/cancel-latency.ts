/**
 * How long a cancel takes to reach a running job's handler when the worker runs in another process:
 * from just before `conveyor.cancel(id)` to the handler's signal aborting, both on the wall clock the
 * processes of one machine share. One job runs at a time; each sample enqueues a job, waits until the
 * worker says it started, then cancels it.
 */
import { createInterface } from 'node:readline';
import { Conveyor } from '../../src/index.js';
import { wallClockMs } from '../postgres/jobs.js';
import { silentLogger, startChild, stopChild } from '../shared.js';
import { cancelTask } from './cancel-task.js';

/** Each wait for the worker's line; far above any wake-up, below the worker's 6 s heartbeat only by chance. */
const LINE_TIMEOUT_MS = 30_000;

export async function cancelLatencies(storeUrl: string, samples: number): Promise<number[]> {
  const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
  const child = await startChild('./cancel/cancel-worker-process.ts', [storeUrl]);
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<string, (words: string[]) => void>();
  lines.on('line', (line) => {
    const words = line.split(' ');
    waiting.get(`${words[0]} ${words[1]}`)?.(words);
  });
  const nextLine = (key: string): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${key}" from the worker within ${LINE_TIMEOUT_MS} ms`)), LINE_TIMEOUT_MS);
      waiting.set(key, (words) => {
        clearTimeout(timer);
        waiting.delete(key);
        resolve(words);
      });
    });
  const task = cancelTask();
  const latencies: number[] = [];
  try {
    for (let n = 0; n < samples; n++) {
      const { job } = await conveyor.enqueue(task, { n });
      const started = nextLine(`started ${job.id}`);
      // Listen before cancelling: the abort line may come before `cancel` returns.
      const aborted = nextLine(`aborted ${job.id}`);
      await started;
      const cancelledAt = wallClockMs();
      await conveyor.cancel(job.id);
      const words = await aborted;
      latencies.push(Number(words[2]) - cancelledAt);
    }
  } finally {
    lines.close();
    await stopChild(child);
    await conveyor.close();
  }
  return latencies;
}
