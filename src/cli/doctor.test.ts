/** `conveyor doctor` as a child process, against a real SQLite file with real worker processes, and against a PostgreSQL address nothing listens on. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Finding } from '../insights/diagnosis.js';
import { describePostgres, freshTestSchema, type TestSchema } from '../testing/postgres-env.js';
import { cli, FIXTURE_TASKS, startCli, type Running } from './fixtures/run.js';
import { createTestStore, type TestStore } from './fixtures/store-dir.js';

const DEPENDENCY_TASKS = fileURLToPath(new URL('./fixtures/dependency-tasks.ts', import.meta.url));
const CONFLICTING_TASKS = fileURLToPath(new URL('./fixtures/conflicting-tasks.ts', import.meta.url));
/** A token that passes the strength floor and a signing key, so a healthy run has no configuration warning. */
const SIGNING_KEY = '9d1e7c3b5a2f4e6d8c0b1a3f5e7d9c2b4a6f8e0d';
const TOKENS = { CONVEYOR_API_TOKENS: '3f9c0a1b2d4e5f60718293a4b5c6d7e8', CONVEYOR_ARTIFACT_SIGNING_KEY: SIGNING_KEY };

interface DoctorJson {
  ok: boolean;
  store: string | null;
  summary: Record<Finding['severity'], number>;
  findings: Finding[];
}

let store: TestStore;
let workers: Running[];

beforeEach(() => {
  store = createTestStore('conveyor-cli-doctor-test-');
  workers = [];
});

afterEach(async () => {
  for (const worker of workers) worker.child.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.finished));
  store.remove();
});

async function startWorker(args: string[]): Promise<Running> {
  const worker = startCli([...store.args, 'worker', ...args]);
  workers.push(worker);
  await worker.waitForStdout('Ctrl-C to stop');
  return worker;
}

/** `doctor --json`, given the fixture tasks module unless `args` names one (`--tasks` none: `[]` with `withTasks` false). */
async function doctorJson(args: string[] = [], env: Record<string, string> = TOKENS, withTasks = true): Promise<{ code: number | null; json: DoctorJson }> {
  const tasks = withTasks && !args.includes('--tasks') ? ['--tasks', FIXTURE_TASKS] : [];
  const result = await cli([...store.args, 'doctor', '--json', ...tasks, ...args], env);
  expect(result.stderr).toBe('');
  return { code: result.code, json: JSON.parse(result.stdout) as DoctorJson };
}

function problems(json: DoctorJson): Finding[] {
  return json.findings.filter((finding) => finding.severity !== 'ok');
}

describe('conveyor doctor', () => {
  it('finds nothing wrong with a live worker serving every queued job: exit 0, every check ok', async () => {
    await startWorker([FIXTURE_TASKS]);
    const text = await cli([...store.args, 'doctor', '--tasks', FIXTURE_TASKS], TOKENS);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(/^conveyor doctor: store sqlite:\S+\nok +config\/store-url +--store: sqlite:/);
    expect(text.stdout).toMatch(/\nok +workers\/live-worker +1 live worker\(s\) serving queues "default", "media"\n/);
    expect(text.stdout).toMatch(/\n0 error\(s\), 0 warning\(s\), 0 skipped, \d+ ok\n$/);
    const { code, json } = await doctorJson(['--tasks', FIXTURE_TASKS]);
    expect(code).toBe(0);
    expect(problems(json)).toEqual([]);
    expect(json.findings.filter((finding) => ['running-past-timeout', 'task-definitions'].includes(finding.check)).map((finding) => finding.severity)).toEqual(['ok', 'ok']);
    expect(json.findings.map((finding) => finding.check)).toEqual(expect.arrayContaining(['store', 'migrations', 'live-worker', 'orphaned-jobs', 'stalled-workers', 'dependencies', 'paused-queues', 'schedules', 'api-tokens']));
  });

  it('names an orphaned queue with the worker flag that would serve it, worst first, exit 1', async () => {
    await startWorker([FIXTURE_TASKS, '--queues', 'default']);
    await cli([...store.args, 'enqueue', 'fixture.resize', '{"size":{"width":2,"height":3}}', '--tasks', FIXTURE_TASKS]);
    const text = await cli([...store.args, 'doctor'], TOKENS);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /^conveyor doctor: store \S+\nERROR +jobs\/orphaned-jobs +1 job\(s\) of task "fixture\.resize" wait in queue "media", which no live worker serves \(oldest queued since \S+; live workers serve "default"\)\n +fix: start a worker whose module exports task "fixture\.resize" \(on queue "media"\): `conveyor worker <module>` \(a worker started with --queues must list it: --queues default,media\)/,
    );
    const { json } = await doctorJson();
    expect(problems(json)).toEqual([expect.objectContaining({ severity: 'error', area: 'jobs', check: 'orphaned-jobs' })]);
  });

  it('reports a dependency a live worker finds down: where, why, which tasks wait', async () => {
    await startWorker([DEPENDENCY_TASKS]);
    const { code, json } = await vi.waitFor(
      async () => {
        const run = await doctorJson();
        expect(run.json.findings.find((finding) => finding.check === 'dependencies')?.severity).toBe('error');
        return run;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(code).toBe(1);
    expect(problems(json)).toEqual([
      {
        severity: 'error',
        area: 'workers',
        check: 'dependencies',
        cause: expect.stringMatching(/^dependency "clamd" at tcp:\/\/127\.0\.0\.1:1 is down for worker \S+ \(host \S+, pid \d+\) since \S+ \(\d+ s\): .*ECONNREFUSED.*; 0 queued job\(s\) of "fixture\.scan" wait, no attempt burned$/),
        fix: expect.stringMatching(/^bring tcp:\/\/127\.0\.0\.1:1 back/),
      },
    ]);
  });

  it('says the store is unreachable, with the address tried and its password redacted, and what it could not check', async () => {
    const result = await cli(['--store', 'postgres://app:s3cret@127.0.0.1:1/x', 'doctor', '--json'], TOKENS);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('s3cret');
    const json = JSON.parse(result.stdout) as DoctorJson;
    expect(json.store).toBe('postgres://app:***@127.0.0.1:1/x');
    expect(problems(json)[0]).toEqual({
      severity: 'error',
      area: 'store',
      check: 'store',
      cause: expect.stringMatching(/^unreachable: Cannot reach the PostgreSQL store at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/x: connect ECONNREFUSED/),
      fix: expect.stringContaining('check that the database at postgres://app:***@127.0.0.1:1/x is running'),
    });
    // Every store call fails alike; the cause says it once.
    expect(problems(json)[0]?.cause.match(/Cannot reach/g)).toHaveLength(1);
    const skipped = json.findings.filter((finding) => finding.severity === 'skipped').map((finding) => [finding.check, finding.cause]);
    expect(skipped).toEqual(expect.arrayContaining([['migrations', 'not checked: the store did not answer'], ['orphaned-jobs', 'not checked: the store did not answer'], ['live-worker', 'not checked: the store did not answer']]));
  });

  it('refuses to create a SQLite file that is not there, and reports a store that needs migrations', async () => {
    const missing = await cli(['--store', `sqlite:${join(store.directory, 'none.db')}`, 'doctor'], TOKENS);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`ERROR    store/store`);
    expect(missing.stdout).toContain(`unreachable: the SQLite file ${join(store.directory, 'none.db')} does not exist`);
    writeFileSync(join(store.directory, 'empty.db'), '');
    const empty = await cli(['--store', `sqlite:${join(store.directory, 'empty.db')}`, 'doctor', '--json'], TOKENS);
    const json = JSON.parse(empty.stdout) as DoctorJson;
    expect(empty.code).toBe(1);
    expect(problems(json)[0]).toMatchObject({ severity: 'error', check: 'migrations', fix: 'run `conveyor migrate` with the same --store (or CONVEYOR_STORE)' });
    expect(json.findings.find((finding) => finding.check === 'live-worker')).toMatchObject({ severity: 'skipped', cause: "not checked: the store's schema is not the one this package reads (see store/migrations)" });
  });

  it('exits 0 on warnings alone and 1 with --strict; checks settings as the server reads them', async () => {
    await startWorker([FIXTURE_TASKS]);
    const env = { CONVEYOR_STORE: store.url };
    const relaxed = await cli([...store.args, 'doctor', '--queues', 'default,media,default'], env);
    expect(relaxed.code).toBe(0);
    expect(relaxed.stdout).toContain('WARNING  config/store-url');
    expect(relaxed.stdout).toMatch(/WARNING +config\/queues +--queues default,media,default lists "default" more than once\n +fix: list each queue once: --queues default,media\n/);
    expect(relaxed.stdout).toMatch(/WARNING +config\/api-tokens +CONVEYOR_API_TOKENS is not set/);
    expect((await cli([...store.args, 'doctor', '--strict'], env)).code).toBe(1);

    const bad = await doctorJson([], { ...TOKENS, CONVEYOR_API_TOKENS: `${TOKENS.CONVEYOR_API_TOKENS},${TOKENS.CONVEYOR_API_TOKENS}`, CONVEYOR_API_RATE_LIMIT: 'fast' });
    expect(bad.code).toBe(1);
    expect(problems(bad.json)).toEqual([
      expect.objectContaining({ severity: 'error', check: 'api-tokens', cause: 'CONVEYOR_API_TOKENS: lists token 2 of 2 twice; remove the duplicate; `conveyor serve` refuses to start' }),
      expect.objectContaining({ severity: 'error', check: 'api-rate-limit', cause: 'CONVEYOR_API_RATE_LIMIT: "fast" is not <jobs>/<interval>; `conveyor serve` refuses to start' }),
    ]);
    expect(JSON.stringify(bad.json)).not.toContain(TOKENS.CONVEYOR_API_TOKENS);
  });

  it('checks the artifact settings: the signing key (never shown), where the bytes live, and a directory that is missing', async () => {
    const healthy = await doctorJson([], TOKENS, false);
    const artifactFindings = (json: DoctorJson) => json.findings.filter((finding) => finding.check.startsWith('artifact'));
    expect(artifactFindings(healthy.json)).toEqual([
      { severity: 'ok', area: 'config', check: 'artifact-signing-key', cause: 'CONVEYOR_ARTIFACT_SIGNING_KEY: set (not shown)', fix: null },
      { severity: 'ok', area: 'config', check: 'artifacts-dir', cause: "CONVEYOR_ARTIFACTS_DIR: not set, so artifacts' bytes are kept in the store", fix: null },
    ]);
    expect(JSON.stringify(healthy.json)).not.toContain(SIGNING_KEY);

    const missingDir = join(store.directory, 'no-such-dir');
    const { code, json } = await doctorJson([], { CONVEYOR_API_TOKENS: TOKENS.CONVEYOR_API_TOKENS, CONVEYOR_ARTIFACT_SIGNING_KEY: '', CONVEYOR_ARTIFACTS_DIR: missingDir }, false);
    expect(code).toBe(1);
    expect(artifactFindings(json)).toEqual([
      expect.objectContaining({ severity: 'error', check: 'artifacts-dir', cause: `CONVEYOR_ARTIFACTS_DIR=${missingDir}: ${missingDir} does not exist, so workers cannot store artifacts there`, fix: expect.stringContaining(`mkdir -p ${missingDir}`) }),
      expect.objectContaining({
        severity: 'warning',
        check: 'artifact-signing-key',
        cause: expect.stringContaining('CONVEYOR_ARTIFACT_SIGNING_KEY is not set: signed download links of artifacts are off'),
        fix: 'set the same key for every server and worker: CONVEYOR_ARTIFACT_SIGNING_KEY=$(openssl rand -hex 32)',
      }),
    ]);

    const inDirectory = await doctorJson([], { ...TOKENS, CONVEYOR_ARTIFACT_SIGNING_KEY: 'too-short', CONVEYOR_ARTIFACTS_DIR: store.directory }, false);
    expect(artifactFindings(inDirectory.json)).toEqual([
      expect.objectContaining({ severity: 'error', check: 'artifact-signing-key', cause: 'CONVEYOR_ARTIFACT_SIGNING_KEY: must be a secret of at least 32 characters, got 9; `conveyor serve` refuses to start', fix: 'set it as $(openssl rand -hex 32)' }),
      { severity: 'ok', area: 'config', check: 'artifacts-dir', cause: `CONVEYOR_ARTIFACTS_DIR: artifacts' bytes are kept in ${store.directory}`, fix: null },
    ]);
  });

  it('warns of a task name defined two ways: by the --tasks module against a live worker, and between two live workers', async () => {
    await startWorker([FIXTURE_TASKS]);
    const { code, json } = await doctorJson(['--tasks', CONFLICTING_TASKS]);
    expect(code).toBe(0);
    expect(problems(json)).toEqual([
      {
        severity: 'warning',
        area: 'config',
        check: 'task-definitions',
        cause: expect.stringMatching(/^task "fixture\.resize" has queue "images", input \{\} \([0-9a-f]{12}\) in the module, but queue "media", input \{size!\} \([0-9a-f]{12}\) on worker \S+ \(host \S+, pid \d+\)$/),
        fix: expect.stringMatching(/^define "fixture\.resize" once, in a module every worker and producer imports, and deploy it to every worker .*runs only on the workers whose definition has its queue$/),
      },
    ]);
    const withoutTasks = await doctorJson([], TOKENS, false);
    expect(withoutTasks.json.findings.find((finding) => finding.check === 'running-past-timeout')).toMatchObject({ severity: 'skipped', cause: 'not checked: no tasks module given; pass --tasks <module> to check them' });
    expect(withoutTasks.json.findings.find((finding) => finding.check === 'task-shapes')).toMatchObject({ severity: 'ok' });

    const other = await startWorker([CONFLICTING_TASKS]);
    const twoWays = await doctorJson([], TOKENS, false);
    const warnings = twoWays.json.findings.filter((finding) => finding.severity === 'warning');
    expect(warnings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        check: 'task-shapes',
        cause: expect.stringMatching(/^task "fixture\.resize" is defined 2 ways among live workers: queue "media", input \{size!\} \(\w+\) on worker \S+ \(host \S+, pid \d+\); queue "images", input \{\} \(\w+\) on worker \S+ \(host \S+, pid (\d+)\)$/),
      }),
    ]);
    expect(warnings[0]?.cause).toContain(`pid ${other.child.pid})`);
  });

  it('names a worker killed with SIGKILL as stalled, with its host, pid and last heartbeat, once its heartbeat is 10 s old (the default staleness)', async () => {
    const victim = await startWorker([FIXTURE_TASKS, '--heartbeat-ms', '200']);
    victim.child.kill('SIGKILL');
    await victim.finished;
    const { code, json } = await vi.waitFor(
      async () => {
        const run = await doctorJson();
        expect(run.json.findings.find((finding) => finding.check === 'stalled-workers')?.severity).toBe('warning');
        return run;
      },
      { timeout: 15_000, interval: 500 },
    );
    expect(code).toBe(1);
    expect(problems(json)).toEqual([
      expect.objectContaining({ severity: 'error', area: 'workers', check: 'live-worker' }),
      {
        severity: 'warning',
        area: 'workers',
        check: 'stalled-workers',
        cause: expect.stringMatching(new RegExp(`^worker \\S+ \\(host \\S+, pid ${victim.child.pid}, queues default, media\\) stopped heartbeating: last heartbeat \\S+Z, \\d+ s ago$`)),
        fix: expect.any(String),
      },
    ]);
  }, 30_000);
});

describePostgres('conveyor doctor on a live PostgreSQL server', () => {
  let schema: TestSchema | undefined;
  afterEach(async () => {
    // The worker goes first: it holds connections into the schema.
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.finished));
    await schema?.drop();
    schema = undefined;
  });

  it('reports the pending migrations of a fresh schema without applying them, then a healthy system once migrated and served', async () => {
    schema = freshTestSchema();
    const args = ['--store', schema.storeUrl];
    const fresh = JSON.parse((await cli([...args, 'doctor', '--json', '--tasks', FIXTURE_TASKS], TOKENS)).stdout) as DoctorJson;
    expect(fresh.ok).toBe(false);
    expect(problems(fresh)[0]).toMatchObject({ severity: 'error', area: 'store', check: 'migrations', cause: expect.stringMatching(/^the database is at version 0 and needs migrations 1, /) });
    expect(fresh.findings.find((finding) => finding.check === 'orphaned-jobs')).toMatchObject({ severity: 'skipped' });
    expect(fresh.findings.find((finding) => finding.check === 'store')).toMatchObject({ severity: 'ok' });

    expect((await cli([...args, 'migrate'])).code).toBe(0);
    const worker = startCli([...args, 'worker', FIXTURE_TASKS]);
    workers.push(worker);
    await worker.waitForStdout('Ctrl-C to stop');
    const healthy = await cli([...args, 'doctor', '--json', '--tasks', FIXTURE_TASKS], TOKENS);
    expect(healthy.code).toBe(0);
    expect(problems(JSON.parse(healthy.stdout) as DoctorJson)).toEqual([]);
  });
});
