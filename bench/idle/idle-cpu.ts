/**
 * CPU an idle worker spends while it waits for work: `processes` workers with the default options, each
 * in its own process, on one store with no jobs, so each also hears the others' heartbeats. Returns
 * each process's share of one core over the measured span (0.01 = 1 %).
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startChild } from '../shared.js';

/** Lets connections, migrations checks and the first heartbeats pass before measuring. */
const WARM_UP_MS = 3_000;

export async function idleCpuShares(storeUrl: string, processes: number, measureMs: number): Promise<number[]> {
  const children = await Promise.all(Array.from({ length: processes }, () => startChild('./idle/idle-worker-process.ts', [storeUrl, String(WARM_UP_MS), String(measureMs)])));
  return Promise.all(
    children.map(async (child) => {
      let share = Number.NaN;
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const [word, cpuMs, spanMs] = line.split(' ');
        if (word === 'cpu') share = Number(cpuMs) / Number(spanMs);
      });
      await once(child, 'exit');
      if (Number.isNaN(share)) throw new Error('an idle worker process exited without reporting its CPU');
      return share;
    }),
  );
}
