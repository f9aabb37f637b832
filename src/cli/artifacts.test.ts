/**
 * `conveyor artifacts list|get` as child processes on a real SQLite file, reading what a real worker
 * wrote through a fixture task: the table and JSON, bytes compared after a download to a file and to
 * stdout, the attempt chosen, the errors for a missing job or artifact (exit 1, nothing written), and
 * a file whose bytes were changed after the job wrote it refused by its SHA-256, leaving no file.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryArtifactBackend } from '../artifacts/directory-backend.js';
import type { ArtifactOptions } from '../artifacts/settings.js';
import { bigBytes, REPORT_CSV, writeReport } from './fixtures/artifact-tasks.js';
import { cli } from './fixtures/run.js';
import { createTestStore, type TestStore } from './fixtures/store-dir.js';

let store: TestStore;

beforeEach(() => {
  store = createTestStore('conveyor-cli-artifacts-test-');
});

afterEach(() => store.remove());

/** Run the fixture task to success with a real worker (two attempts); its job id. */
async function runReport(artifacts: ArtifactOptions = {}): Promise<string> {
  return store.withConveyor(
    async (conveyor) => {
      const { job } = await conveyor.enqueue(writeReport, {});
      const worker = conveyor.createWorker({ tasks: [writeReport], pollIntervalMs: 10 });
      await worker.start();
      const done = await conveyor.waitFor(job.id, { timeoutMs: 10_000 });
      await worker.stop();
      expect(done.state).toBe('succeeded');
      return job.id;
    },
    { tasks: [writeReport], artifacts },
  );
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('conveyor artifacts list', () => {
  it("prints a table of every attempt's artifacts, and JSON with --json", async () => {
    const id = await runReport();
    const listed = await cli([...store.args, 'artifacts', 'list', id]);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('ATTEMPT  NAME        SIZE     TYPE                      CREATED (UTC)');
    expect(lines.slice(1).map((line) => line.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, '<time>'))).toEqual([
      '1        run.log     10 B     application/octet-stream  <time>',
      '2        data.bin    2.5 MiB  application/octet-stream  <time>',
      '2        report.csv  30 B     text/csv; charset=utf-8   <time>',
      '2        run.log     10 B     application/octet-stream  <time>',
    ]);

    const json = JSON.parse((await cli([...store.args, 'artifacts', 'list', id, '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(json.find((artifact) => artifact.name === 'data.bin')).toMatchObject({ jobId: id, attempt: 2, size: bigBytes().length, sha256: sha256(bigBytes()), contentType: 'application/octet-stream' });
  });

  it('says when the job wrote none, and exits 1 for a job that does not exist', async () => {
    const id = await store.withConveyor(async (conveyor) => (await conveyor.enqueue(writeReport, {})).job.id, { tasks: [writeReport] });
    expect(await cli([...store.args, 'artifacts', 'list', id])).toMatchObject({ code: 0, stdout: `job ${id} wrote no artifacts\n` });
    const missing = await cli([...store.args, 'artifacts', 'list', '999']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`error: job "999" not found in ${store.url}; give the id of an existing job (\`conveyor jobs\` lists them), e.g. conveyor artifacts list 1234\n`);
  });
});

describe('conveyor artifacts get', () => {
  it('downloads to -o, the same bytes, and leaves no temporary file', async () => {
    const id = await runReport();
    const path = join(store.directory, 'data.bin');
    const got = await cli([...store.args, 'artifacts', 'get', id, 'data.bin', '-o', path]);
    expect(got).toMatchObject({ code: 0, stderr: '', stdout: `wrote ${bigBytes().length} bytes (2.5 MiB, attempt 2, SHA-256 checked) to ${path}\n` });
    expect(sha256(readFileSync(path))).toBe(sha256(bigBytes()));
    expect(readdirSync(store.directory).filter((file) => file.endsWith('.part'))).toEqual([]);
  });

  it('writes to stdout when piped or given -o -, the summary on stderr; --attempt picks the attempt', async () => {
    const id = await runReport();
    for (const args of [[], ['-o', '-']]) {
      const got = await cli([...store.args, 'artifacts', 'get', id, 'report.csv', ...args]);
      expect(got).toMatchObject({ code: 0, stdout: REPORT_CSV, stderr: `wrote ${REPORT_CSV.length} bytes (${REPORT_CSV.length} B, attempt 2, SHA-256 checked) to stdout\n` });
    }
    expect((await cli([...store.args, 'artifacts', 'get', id, 'run.log', '--attempt', '1'])).stdout).toBe('attempt 1\n');
    expect((await cli([...store.args, 'artifacts', 'get', id, 'run.log'])).stdout).toBe('attempt 2\n');
  });

  it('exits 1 naming what is missing, with a command that works, and writes nothing', async () => {
    const id = await runReport();
    const path = join(store.directory, 'out.csv');
    const wrongName = await cli([...store.args, 'artifacts', 'get', id, 'nope.csv', '-o', path]);
    expect(wrongName).toMatchObject({ code: 1, stdout: '' });
    expect(wrongName.stderr).toBe(
      `error: job ${id} has no artifact named "nope.csv"; it has "run.log", "data.bin", "report.csv" (see \`conveyor artifacts list ${id}\`), e.g. conveyor artifacts get ${id} run.log --attempt 1\n`,
    );
    const wrongAttempt = await cli([...store.args, 'artifacts', 'get', id, 'report.csv', '--attempt', '1', '-o', path]);
    expect(wrongAttempt.stderr).toContain(`no artifact named "report.csv" written by attempt 1;`);
    expect(wrongAttempt.stderr).toContain(`e.g. conveyor artifacts get ${id} report.csv --attempt 2\n`);
    const wrongJob = await cli([...store.args, 'artifacts', 'get', '999', 'report.csv', '-o', path]);
    expect(wrongJob).toMatchObject({ code: 1, stderr: `error: job "999" not found in ${store.url}; give the id of an existing job (\`conveyor jobs\` lists them), e.g. conveyor artifacts get 1234 report.csv\n` });
    const badName = await cli([...store.args, 'artifacts', 'get', id, '../etc/passwd', '-o', path]);
    expect(badName).toMatchObject({ code: 1, stderr: `error: <name>: "../etc/passwd" has a path separator (artifacts have names, not paths); give the name \`conveyor artifacts list ${id}\` prints, e.g. conveyor artifacts get ${id} report.csv\n` });
    const noDirectory = await cli([...store.args, 'artifacts', 'get', id, 'report.csv', '-o', join(store.directory, 'missing-dir', 'out.csv')]);
    expect(noDirectory).toMatchObject({ code: 1, stdout: '' });
    expect(noDirectory.stderr).toMatch(/^error: -o .*missing-dir\/out\.csv: cannot write there \(ENOENT: .*\); give a file in a writable directory that exists, e.g. -o \.\/report\.csv\n$/);
    expect(readdirSync(store.directory).filter((file) => file.startsWith('out.csv') || file.endsWith('.part'))).toEqual([]);
  });

  it('refuses bytes changed since the job wrote them (SHA-256), leaving no file', async () => {
    const artifactsDir = join(store.directory, 'artifacts');
    const id = await runReport({ backend: directoryArtifactBackend(artifactsDir) });
    const env = { CONVEYOR_ARTIFACTS_DIR: artifactsDir };
    const path = join(store.directory, 'report.csv');
    expect(await cli([...store.args, 'artifacts', 'get', id, 'report.csv', '-o', path], env)).toMatchObject({ code: 0 });
    expect(readFileSync(path, 'utf8')).toBe(REPORT_CSV);

    // Same size, one byte different: only the hash can tell.
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));
    const stored = files(artifactsDir).find((file) => readFileSync(file, 'utf8') === REPORT_CSV);
    expect(stored).toBeDefined();
    writeFileSync(stored!, REPORT_CSV.replace('42', '43'));

    const target = join(store.directory, 'tampered.csv');
    const tampered = await cli([...store.args, 'artifacts', 'get', id, 'report.csv', '-o', target], env);
    expect(tampered).toMatchObject({ code: 1, stdout: '' });
    expect(tampered.stderr).toMatch(
      new RegExp(`^error: artifact "report.csv" of job ${id} \\(attempt 2\\) does not match what the job wrote: read 30 bytes with SHA-256 [0-9a-f]{64}, expected 30 bytes with SHA-256 ${sha256(Buffer.from(REPORT_CSV))}; nothing was written to ${target.replace(/[.]/g, '\\.')}\\.`),
    );
    expect(readdirSync(store.directory).filter((file) => file.startsWith('tampered') || file.endsWith('.part'))).toEqual([]);
  });
});
