/**
 * A store that half works: the SQLite file sits on a real, full file system (a 4 MiB tmpfs filled
 * up), so every write fails with SQLITE_FULL while every read succeeds. The worker (a child process,
 * logging at info) must back off and report the state at most once per window, where it used to log
 * a "store unreachable" / "store reachable again" pair on every call: 45,000 lines in 3 s.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { effectTask } from '../testing/fixtures/tasks.js';
import { killHard, spawnFixture, type TestProcess } from '../testing/processes.js';
import { itWithSmallDisk } from '../testing/small-disk.js';
import { silentLogger } from '../testing/worker-conformance/helpers.js';
import { STORE_CONNECTION_LOG } from './store-connection.js';

const CONNECTION_LINES = new Set<string>([STORE_CONNECTION_LOG.lost, STORE_CONNECTION_LOG.restored, STORE_CONNECTION_LOG.flapping]);

function connectionLines(worker: TestProcess, from: number): string[] {
  return worker.lines.slice(from).flatMap((line) => {
    try {
      const message = (JSON.parse(line) as { msg?: string }).msg;
      return message !== undefined && CONNECTION_LINES.has(message) ? [message] : [];
    } catch {
      return [];
    }
  });
}

describe('a worker on a store that half works (SQLite on a full disk)', () => {
  itWithSmallDisk('logs a change of state at most once per backoff window, and runs jobs again once space is back', async (disk) => {
    const storeUrl = `sqlite:${join(disk.path, 'conveyor.db')}`;
    const worker = spawnFixture('worker-process.ts', { STORE_URL: storeUrl, LEASE_MS: '1000', CONVEYOR_LOG_LEVEL: 'info' });
    try {
      await worker.waitForLine((line) => line.startsWith('ready '));
      const before = worker.lines.length;
      const filler = disk.fill();
      await worker.waitUntil(() => connectionLines(worker, before).includes(STORE_CONNECTION_LOG.lost));
      // Reads succeed and writes fail for three seconds: windows of 1 s, then 2 s, so at most 3 reports.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const reports = connectionLines(worker, before);
      expect(reports.length, reports.join('\n')).toBeLessThanOrEqual(3);

      rmSync(filler);
      const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
      try {
        const { job } = await conveyor.enqueue(effectTask, { n: 1 });
        expect(await conveyor.waitFor(job.id, { timeoutMs: 15_000 })).toMatchObject({ state: 'succeeded', result: { n: 1 } });
      } finally {
        await conveyor.close();
      }
      expect(worker.child.exitCode).toBeNull();
    } finally {
      await killHard(worker);
    }
  });
});
