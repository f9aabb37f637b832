/**
 * `npm run demo`'s example, run once (CONVEYOR_QUICKSTART_ONCE=1) on a fresh SQLite file: every job of
 * the batch must finish and the summary must say how. The example imports 'conveyor', the built
 * package, so this needs `npm run build` (done by `npm install` / `npm ci` through `prepare`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { killStragglers, REPO_ROOT, start } from './fixtures/run.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-quickstart-test-'));
});

afterEach(() => {
  killStragglers();
  rmSync(directory, { recursive: true, force: true });
});

it('runs one batch to the end, retrying the report export once, and prints the summary', async () => {
  expect(existsSync(join(REPO_ROOT, 'dist/index.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
  const run = start(join(REPO_ROOT, 'examples/quickstart/start.ts'), [], {
    CONVEYOR_QUICKSTART_ONCE: '1',
    CONVEYOR_STORE: `sqlite:${join(directory, 'quickstart.db')}`,
  });
  const { code, stdout, stderr } = await run.finished;
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/batch 1: enqueued 4 jobs .*1 duplicate request returned the existing job/);
  expect(stdout).toMatch(/rejected before enqueue \(nothing stored\): Invalid input for task "report\.export": to: must not be before `from`/);
  expect(stdout).toMatch(/report\.export +attempt 1\/3 failed: warehouse query timed out/);
  expect(stdout).toMatch(/report\.export +succeeded in \d+ ms \(attempt 2\/3\)/);
  expect(stdout).toMatch(
    /summary: 4 jobs finished in [\d.]+ s: 4 succeeded, 0 dead, 0 cancelled; 1 retried attempt\(s\); 1 duplicate\(s\) deduplicated; 1 invalid request\(s\) rejected\n$/,
  );
  // The export wrote its report as a CSV artifact, one row per day of the range.
  const conveyor = await Conveyor.open({ store: `sqlite:${join(directory, 'quickstart.db')}`, logger: pino({ level: 'silent' }) });
  try {
    const [exported] = (await conveyor.listJobs({ task: 'report.export' })).jobs;
    expect(exported?.result).toMatchObject({ artifact: 'report.csv', rows: 28 });
    const opened = await conveyor.artifacts.get(exported!.id, 'report.csv');
    expect(opened?.artifact).toMatchObject({ attempt: 2, contentType: 'text/csv; charset=utf-8' });
    const csv = (await text(opened!.stream)).split('\n');
    expect(csv[0]).toBe('period_start,orders,revenue_eur');
    expect(csv[1]).toMatch(/^2025-\d\d-01,\d+,\d+\.\d\d$/);
    expect(csv).toHaveLength(30);
  } finally {
    await conveyor.close();
  }
});
