/**
 * Workload 5, cancel → abort (Conveyor only: the rivals' cancel APIs differ too much to compare): a
 * running job in a worker of another process is cancelled, and the time until its handler's signal
 * aborts is taken. The worker polls every 60 s and heartbeats every 6 s, so a fast abort came by the
 * store's notices (PostgreSQL NOTIFY; SQLite's file change notices).
 */
import { cancelLatencies } from '../../cancel/cancel-latency.js';
import { percentile } from '../../shared.js';
import { measureEachConveyor } from '../conveyor-only.js';
import type { RunContext, Workload } from '../context.js';
import { ResultTable } from '../results.js';

const PERCENTILES = [
  ['p50', 0.5],
  ['p99', 0.99],
  ['max', 1],
] as const;

export function cancelWorkload(run: RunContext): Workload {
  const { cancelJobs } = run.settings;
  const table = new ResultTable(
    `Cancel → abort of a running job, worker in another process, ${cancelJobs} jobs one at a time`,
    PERCENTILES.map(([key]) => ({ key, title: key, unit: 'ms', ratio: false })),
    ['Time from just before `cancel(id)` to the handler\'s signal aborting. The worker polls every 60 s and heartbeats every 6 s.'],
  );
  return {
    tables: [table],
    async round() {
      for (const { name, result } of await measureEachConveyor(run, 'cancel', (storeUrl) => cancelLatencies(storeUrl, cancelJobs))) {
        for (const [key, p] of PERCENTILES) table.record(name, name, key, result === undefined || result.length === 0 ? Number.NaN : percentile(result, p));
      }
    },
  };
}
