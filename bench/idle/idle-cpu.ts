/**
 * CPU an idle worker spends while it waits for work: `processes` workers started as users start them
 * (`conveyor worker` of the built package, default options, a JavaScript task module), each in its own
 * process, on one store with no jobs, so each also hears the others' heartbeats. Read from
 * /proc/<pid>/stat (user + system, every thread of the process) at the start and the end of the span.
 * Returns each process's share of one core (0.01 = 1 %).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sleep } from '../shared.js';

/** Lets start-up, the first claims and the first heartbeats pass before measuring. */
const WARM_UP_MS = 5_000;
/** Kernel clock ticks per second (USER_HZ), the unit of utime and stime. */
const TICKS_PER_SECOND = 100;

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const TASKS = fileURLToPath(new URL('./idle-tasks.mjs', import.meta.url));

function cpuTicks(pid: number): number {
  // Fields after the command name (which is in parentheses and may hold spaces): utime is the 14th field, stime the 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export async function idleCpuShares(storeUrl: string, processes: number, measureMs: number): Promise<number[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const children: ChildProcess[] = Array.from({ length: processes }, () =>
    spawn(process.execPath, [CLI, 'worker', TASKS, '--store', storeUrl], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CONVEYOR_LOG_LEVEL: 'error' } }),
  );
  try {
    await sleep(WARM_UP_MS);
    for (const child of children) if (child.exitCode !== null) throw new Error(`an idle worker exited with ${child.exitCode} during warm-up`);
    const before = children.map((child) => cpuTicks(child.pid!));
    const startedAt = performance.now();
    await sleep(measureMs);
    const after = children.map((child) => cpuTicks(child.pid!));
    const seconds = (performance.now() - startedAt) / 1000;
    return after.map((ticks, i) => (ticks - before[i]!) / TICKS_PER_SECOND / seconds);
  } finally {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }),
    );
  }
}
