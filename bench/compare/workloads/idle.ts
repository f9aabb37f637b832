/**
 * Workload 6, CPU while idle (Conveyor only): two `conveyor worker` processes with the default options
 * on one empty store, each hearing the other's heartbeats; the CPU each spends over `idleMs`, as a
 * share of one core. Run once, after the rounds. Needs the built package (`npm run bench:compare`
 * builds it first).
 */
import { idleCpuShares } from '../../idle/idle-cpu.js';
import { measureEachConveyor } from '../conveyor-only.js';
import type { RunContext, Workload } from '../context.js';
import { ResultTable } from '../results.js';

const PROCESSES = 2;

export function idleWorkload(run: RunContext): Workload {
  const { idleMs } = run.settings;
  const table = new ResultTable(
    `CPU of an idle worker, ${PROCESSES} worker processes on one empty store for ${Math.round(idleMs / 1000)} s`,
    [
      { key: 'mean', title: 'mean share of a core', unit: '%', ratio: false },
      { key: 'max', title: 'busiest process', unit: '%', ratio: false },
    ],
    [
      '`conveyor worker` of the built package on a JavaScript task module, default options (on SQLite: file change notices, a 200 ms poll as the fallback; on PostgreSQL: LISTEN/NOTIFY and the same poll).',
      'User + system CPU of the whole process (every thread), from /proc/<pid>/stat, after a 5 s warm-up.',
    ],
  );
  return {
    tables: [table],
    async once() {
      for (const { name, result: shares = [] } of await measureEachConveyor(run, 'idle CPU', (storeUrl) => idleCpuShares(storeUrl, PROCESSES, idleMs))) {
        const mean = shares.length === 0 ? Number.NaN : shares.reduce((sum, share) => sum + share, 0) / shares.length;
        table.record(name, name, 'mean', mean * 100);
        table.record(name, name, 'max', shares.length === 0 ? Number.NaN : Math.max(...shares) * 100);
      }
    },
  };
}
