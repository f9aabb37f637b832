/**
 * The image pipeline end to end, with real processes on loopback: Conveyor's server (`conveyor
 * serve`), workers (`conveyor worker`) and the example app, on a SQLite store in a temporary folder.
 * The tests run in order and share that stack: the export reports on the batch processed first.
 * Needs dist/ (`npm run build`), as every example does.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchStatus } from './batches.js';
import { EXPORT_PAUSE_SETTING, EXPORT_QUEUE_SETTING } from './config.js';
import { requestJson, waitUntil } from './http.js';
import { OUTPUT_SIZES } from './process-image.js';
import { CLI_MAIN, startWorker, TASKS_MODULE, type ManagedProcess } from './processes.js';
import { readRecords, readStepRuns } from './records.js';
import { startStack, type Stack } from './stack.js';
import type { BatchSummary, ExportResult } from './tasks.js';
import { logIn, sessionCookie } from '../../src/testing/log-in.js';

/** Short leases so a killed worker's export is taken over within seconds, not the default 30 s. */
const FAST_LEASES = ['--lease-ms', '3000', '--heartbeat-ms', '1000'];

let directory: string;
let stack: Stack;
/** The worker serving the right queues now (the tests replace it). */
let worker: ManagedProcess;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'image-pipeline-test-'));
  stack = await startStack({ dataDir: directory, worker: { args: FAST_LEASES } });
  worker = stack.worker;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(directory, { recursive: true, force: true });
});

interface ExportStatus {
  jobId: string;
  state: string;
  attempt: number;
  queue: string;
  result?: ExportResult;
  downloadUrl?: string;
  lastError?: string | null;
}

async function postExport(body: unknown): Promise<string> {
  const created = await requestJson<{ jobId: string }>('POST', `${stack.appUrl}/exports`, { body });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  return created.body.jobId;
}

function finishedExport(jobId: string, timeoutMs: number): Promise<ExportStatus> {
  return waitUntil(
    `export ${jobId} to finish`,
    async () => {
      const status = (await requestJson<ExportStatus>('GET', `${stack.appUrl}/exports/${jobId}`)).body;
      return ['succeeded', 'dead', 'cancelled'].includes(status.state) ? status : undefined;
    },
    timeoutMs,
  );
}

/** Export jobs in the store, counted through Conveyor's API. */
async function exportJobCount(): Promise<number> {
  const page = await requestJson<{ jobs: unknown[] }>('GET', `${stack.serverUrl}/jobs?task=images.export&limit=1000`, { token: stack.token });
  expect(page.status).toBe(200);
  return page.body.jobs.length;
}

/** The CSV rows as [period, images, bytesIn, bytesOut], after checking the header. */
function csvRows(csv: string): Array<[string, number, number, number]> {
  const [header, ...lines] = csv.trim().split('\n');
  expect(header).toBe('period_start,images,bytes_in,bytes_out');
  return lines.map((line) => {
    const [period, images, bytesIn, bytesOut] = line.split(',');
    return [period!, Number(images), Number(bytesIn), Number(bytesOut)];
  });
}

describe('the image pipeline example', () => {
  it('fans a batch out to one job per image and in to a summary with the right counts, writing real resized images', async () => {
    const created = await requestJson<{ flowId: string; batchId: string }>('POST', `${stack.appUrl}/batches`, { body: { images: 30, broken: 1 } });
    expect(created.status).toBe(202);
    const done = await waitUntil(
      'the batch to finish',
      async () => {
        const status = (await requestJson<BatchStatus>('GET', `${stack.appUrl}/batches/${created.body.flowId}`)).body;
        return status.state === 'succeeded' || status.state === 'dead' ? status : undefined;
      },
      60_000,
    );
    expect(done.state).toBe('succeeded');
    expect(done.images).toEqual({ succeeded: 29, dead: 1 });
    const summary = done.summary as BatchSummary;
    expect(summary).toMatchObject({ batchId: created.body.batchId, images: 30, succeeded: 29, failed: 1, outputs: 58 });
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]!.state).toBe('dead');
    expect(summary.failures[0]!.error).toMatch(/-00029\.jpg is not a decodable image/);

    const outputDir = join(stack.paths.outputs, created.body.batchId);
    const files = readdirSync(outputDir).sort();
    expect(files).toHaveLength(58);
    let bytesOut = 0;
    for (const file of files) {
      const metadata = await sharp(join(outputDir, file)).metadata();
      const size = OUTPUT_SIZES.find((candidate) => file.endsWith(`-${candidate.name}.webp`));
      expect(size, file).toBeDefined();
      expect({ file, format: metadata.format, width: metadata.width, height: metadata.height }).toEqual({ file, format: 'webp', width: size!.width, height: size!.height });
      bytesOut += statSync(join(outputDir, file)).size;
    }
    expect(summary.bytesOut).toBe(bytesOut);
    expect(summary.bytesIn).toBeGreaterThan(29 * 20_000);
    expect(readRecords(stack.paths.records)).toHaveLength(29);
  }, 70_000);

  it('refuses a bad export request with a 400 naming the field, and enqueues nothing', async () => {
    const before = await exportJobCount();
    const cases: Array<[unknown, string, RegExp]> = [
      [{ start: '2026-03-01', end: '2026-02-01', group_by: 'day' }, 'end', /must not be before start/],
      [{ start: '2025-01-01', end: '2026-06-30', group_by: 'week' }, 'end', /covers 546 days; at most 365/],
      [{ start: '2026-01-01', end: '2026-01-31', group_by: 'year' }, 'group_by', /must be one of day, week, month/],
      [{ start: '01/02/2026', end: '2026-01-31', group_by: 'day' }, 'start', /must be a date as YYYY-MM-DD/],
      ['{"start": "2026-01-01",', 'body', /must be a JSON object/],
    ];
    for (const [body, field, message] of cases) {
      const answer = await requestJson<{ error: { field: string; message: string } }>('POST', `${stack.appUrl}/exports`, { body });
      expect({ status: answer.status, field: answer.body.error.field }, JSON.stringify(body)).toEqual({ status: 400, field });
      expect(answer.body.error.message).toMatch(message);
    }
    expect(await exportJobCount()).toBe(before);
  });

  it('exports a CSV as an artifact, downloadable by a signed link without the API token', async () => {
    const jobId = await postExport({ start: '2026-01-01', end: '2026-12-31', group_by: 'month' });
    const done = await finishedExport(jobId, 30_000);
    expect(done.state).toBe('succeeded');
    expect(done.result).toMatchObject({ artifact: 'export.csv', rows: 12, months: 12, images: 29 });
    expect(done.downloadUrl!.startsWith(`${stack.serverUrl}/artifacts/${jobId}/export.csv?`)).toBe(true);

    const download = await fetch(done.downloadUrl!); // no Authorization header
    expect(download.status).toBe(200);
    const rows = csvRows(await download.text());
    expect(rows.map(([period]) => period)).toEqual(Array.from({ length: 12 }, (_, month) => `2026-${String(month + 1).padStart(2, '0')}-01`));
    expect(rows.reduce((sum, [, images]) => sum + images, 0)).toBe(29);
    const records = readRecords(stack.paths.records);
    expect(rows.reduce((sum, [, , bytesIn]) => sum + bytesIn, 0)).toBe(records.reduce((sum, record) => sum + record.bytesIn, 0));

    // The link is the only key: the same file through the API needs the token, and a changed link is refused.
    expect((await fetch(`${stack.serverUrl}/jobs/${jobId}/artifacts/export.csv`)).status).toBe(401);
    expect((await fetch(done.downloadUrl!.replace(/signature=[0-9a-f]/, (s) => `${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`))).status).toBe(403);
  });

  it('resumes an export killed with SIGKILL at the month it stopped, without computing the earlier months again', async () => {
    await worker.stop();
    const crashing = await startWorker(stack.group, { ...stack.env, [EXPORT_PAUSE_SETTING]: '3' }, { name: 'crashing-worker', args: FAST_LEASES });
    const jobId = await postExport({ start: '2026-01-01', end: '2026-06-30', group_by: 'week' });
    await crashing.waitFor(new RegExp(`images\\.export job ${jobId}: paused after month 2026-03`), 20_000);
    const runsOf = (): string[] => readStepRuns(stack.paths.stepRuns).filter((run) => run.jobId === jobId).map((run) => `${run.step}@${run.attempt}`);
    expect(runsOf()).toEqual(['month-2026-01@1', 'month-2026-02@1', 'month-2026-03@1']);

    await crashing.kill();
    expect((await crashing.exited).signal).toBe('SIGKILL');
    worker = await startWorker(stack.group, stack.env, { name: 'resumed-worker', args: FAST_LEASES });
    const done = await finishedExport(jobId, 30_000);
    expect(done.state).toBe('succeeded');
    expect(done.attempt).toBe(2);
    // Each month's body ran once: January to March in the killed attempt, April to June in the next.
    expect(runsOf()).toEqual(['month-2026-01@1', 'month-2026-02@1', 'month-2026-03@1', 'month-2026-04@2', 'month-2026-05@2', 'month-2026-06@2']);

    const rows = csvRows(await (await fetch(done.downloadUrl!)).text());
    expect(rows[0]![0]).toBe('2026-01-01'); // a Thursday: the first week starts at the range's start
    expect(rows.slice(1).every(([period]) => new Date(`${period}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
    const inRange = readRecords(stack.paths.records).filter((record) => record.takenOn <= '2026-06-30');
    expect(rows.reduce((sum, [, images]) => sum + images, 0)).toBe(inRange.length);
  }, 60_000);

  it('shows a worker started on the wrong queue within 10 s: /ready, conveyor doctor and the dashboard name it with the fix', async () => {
    // Conveyor refuses the plain mistake at start: --queues naming a queue none of the module's tasks is on.
    const refused = stack.group.start('refused-worker', [CLI_MAIN, 'worker', TASKS_MODULE, '--queues', 'exports-v2'], stack.env);
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr()).toMatch(/--queues: lists "exports-v2", but no task of the module is on it; its queues are exports, images/);

    // The mistake that gets through: the worker's deployment defines images.export on exports-v2.
    await worker.stop();
    await startWorker(stack.group, { ...stack.env, [EXPORT_QUEUE_SETTING]: 'exports-v2' }, { name: 'wrong-queue-worker', queues: ['exports-v2'] });
    const startedAt = Date.now();
    const jobId = await postExport({ start: '2026-01-01', end: '2026-01-31', group_by: 'day' });

    const ready = await waitUntil(
      '/ready to report the unserved queue',
      async () => {
        const answer = await requestJson<{ ready: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> }>('GET', `${stack.serverUrl}/ready`, { token: stack.token });
        const check = answer.body.checks.find((candidate) => candidate.name === 'orphaned-jobs');
        return answer.status === 503 && check?.ok === false ? { answer, check } : undefined;
      },
      10_000,
    );
    expect(ready.answer.body.ready).toBe(false);
    expect(ready.check.detail).toContain('1 of task "images.export" in queue "exports" (no live worker serves the queue; fix: start a worker whose module exports task "images.export" (on queue "exports")');
    expect(ready.check.detail).toContain('--queues exports-v2,exports');

    const doctor = stack.group.start('doctor', [CLI_MAIN, 'doctor', '--json', '--tasks', TASKS_MODULE], stack.env);
    expect((await doctor.exited).code).toBe(1);
    const report = JSON.parse(doctor.stdout()) as { ok: boolean; findings: Array<{ severity: string; check: string; cause: string; fix: string | null }> };
    expect(report.ok).toBe(false);
    const orphaned = report.findings.find((finding) => finding.check === 'orphaned-jobs');
    expect(orphaned).toMatchObject({ severity: 'error' });
    expect(orphaned!.cause).toContain('1 job(s) of task "images.export" wait in queue "exports", which no live worker serves');
    expect(orphaned!.cause).toContain('live workers serve "exports-v2"');
    expect(orphaned!.fix).toContain('--queues exports-v2,exports');
    const definitions = report.findings.find((finding) => finding.check === 'task-definitions');
    expect(definitions?.cause).toMatch(/task "images\.export" has queue "exports".* in the module, but .*queue "exports-v2"/);

    const session = await logIn(stack.serverUrl, stack.token);
    const overview = await (await fetch(`${stack.serverUrl}/`, { headers: sessionCookie(session) })).text();
    expect(overview).toMatch(/data-warning="orphans"><strong>Orphaned jobs:<\/strong><a [^>]+>1 job<\/a> of task <code>images\.export<\/code> in queue <code>exports<\/code> wait for a worker that serves them — no live worker serves this queue/);
    expect(overview).toMatch(/<span data-fix>Fix: start a worker whose module exports task &quot;images\.export&quot; \(on queue &quot;exports&quot;\)[^<]*--queues exports-v2,exports/);
    expect(Date.now() - startedAt).toBeLessThan(10_000);

    const status = (await requestJson<ExportStatus>('GET', `${stack.appUrl}/exports/${jobId}`)).body;
    expect(status).toMatchObject({ state: 'queued', queue: 'exports', attempt: 0 });
  }, 40_000);
});
