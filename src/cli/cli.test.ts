/**
 * The `conveyor` CLI, run for real as a child process against a fresh SQLite file per test and the
 * task module in `fixtures/tasks.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { migrations } from '../sqlite/migrations.generated.js';
import { cli, FIXTURE_TASKS, killStragglers, silentLogger, startCli } from './fixtures/run.js';

/** The migration versions the SQLite store ships, and the newest. */
const ALL_VERSIONS = migrations.map((migration) => migration.version);
const SHIPPED = Math.max(...ALL_VERSIONS);

let directory: string;
let storeUrl: string;
let store: string[];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-cli-test-'));
  storeUrl = `sqlite:${join(directory, 'db')}`;
  store = ['--store', storeUrl];
});

afterEach(() => {
  killStragglers();
  rmSync(directory, { recursive: true, force: true });
});

/** Read the database through the library, as a program beside the CLI would. */
async function withConveyor<T>(use: (conveyor: Conveyor) => Promise<T>): Promise<T> {
  const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
  try {
    return await use(conveyor);
  } finally {
    await conveyor.close();
  }
}

describe('conveyor enqueue', () => {
  it('validates the input, stores the job and prints its id and state', async () => {
    const result = await cli([...store, 'enqueue', 'fixture.greet', '{"name":"Ada"}', '--tasks', FIXTURE_TASKS]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const id = /enqueued job (\d+) \(fixture\.greet, queue default\): queued/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    const job = await withConveyor((conveyor) => conveyor.getJob(id!));
    expect(job).toMatchObject({ task: 'fixture.greet', state: 'queued', input: { name: 'Ada' } });
  });

  it('passes the options on and reports a duplicate dedup key, as JSON with --json', async () => {
    const args = [...store, 'enqueue', 'fixture.greet', '{"name":"Ada"}', '--tasks', FIXTURE_TASKS, '--dedup-key', 'ada', '--priority', '7', '--max-attempts', '2', '--delay-ms', '60000', '--json'];
    const first = await cli(args);
    expect(first.code).toBe(0);
    const firstResult = JSON.parse(first.stdout) as { job: { id: string; state: string; priority: number; maxAttempts: number }; duplicate: boolean };
    expect(firstResult).toMatchObject({ duplicate: false, job: { state: 'scheduled', priority: 7, maxAttempts: 2, dedupKey: 'ada' } });
    const second = await cli(args);
    expect(JSON.parse(second.stdout)).toMatchObject({ duplicate: true, job: { id: firstResult.job.id } });
    const plain = await cli(args.slice(0, -1));
    expect(plain.stdout).toContain(`duplicate: job ${firstResult.job.id} (fixture.greet) already holds dedup key "ada"`);
  });

  it('rejects invalid input with the field path, exit 1, no stack, and stores nothing', async () => {
    const result = await cli([...store, 'enqueue', 'fixture.resize', '{"size":{"width":0,"height":3}}', '--tasks', FIXTURE_TASKS]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Invalid input for task "fixture\.resize": size\.width: /);
    expect(result.stderr).not.toContain('    at ');
    expect(result.stdout).toBe('');
    const page = await withConveyor((conveyor) => conveyor.listJobs());
    expect(page.jobs).toEqual([]);
  });

  it('names the <json> argument and shows an example when the JSON is malformed', async () => {
    const result = await cli([...store, 'enqueue', 'fixture.greet', "{name:'Ada'}", '--tasks', FIXTURE_TASKS]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: <json>: is not valid JSON .*Example of a valid value: '\{"/);
  });

  it('names the module and the tasks it exports when the task name is unknown', async () => {
    const result = await cli([...store, 'enqueue', 'fixture.nope', '{}', '--tasks', FIXTURE_TASKS]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: Unknown task "fixture.nope"');
    expect(result.stderr).toContain('"fixture.greet"');
  });
});

describe('the store setting', () => {
  it('names --store when its URL is wrong', async () => {
    const result = await cli(['--store', 'mysql://localhost/jobs', 'status', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: --store: has an unknown scheme in "mysql:\/\/localhost\/jobs".*Example of a valid value: "sqlite:/);
  });

  it('names CONVEYOR_STORE when the variable is wrong', async () => {
    const result = await cli(['migrate', '--status'], { CONVEYOR_STORE: 'sqlite:' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: CONVEYOR_STORE: names no database file/);
  });
});

describe('conveyor migrate', () => {
  it('prints the database version before and after, and --status changes nothing', async () => {
    const before = await cli([...store, 'migrate', '--status']);
    expect(before).toMatchObject({ code: 0, stderr: '' });
    expect(before.stdout).toContain(`database version 0, package version ${SHIPPED}, pending ${ALL_VERSIONS.join(', ')}`);
    const applied = await cli([...store, 'migrate']);
    expect(applied.stdout).toContain(`database version 0 → ${SHIPPED}`);
    const again = await cli([...store, 'migrate']);
    expect(again.stdout).toContain(`database version ${SHIPPED}, up to date`);
    const after = await cli([...store, 'migrate', '--status']);
    expect(after.stdout).toContain(`database version ${SHIPPED}, package version ${SHIPPED}, up to date`);
  });
});

describe('conveyor status', () => {
  it('prints a queued job, and as JSON with --json', async () => {
    const enqueued = await cli([...store, 'enqueue', 'fixture.greet', '{"name":"Ada"}', '--tasks', FIXTURE_TASKS, '--json']);
    const { job } = JSON.parse(enqueued.stdout) as { job: { id: string } };
    const status = await cli([...store, 'status', job.id]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^job ${job.id} \\(fixture\\.greet, queue default\\)\\n  state +queued\\n  attempt +0/5`));
    const json = await cli([...store, 'status', job.id, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: job.id, state: 'queued', input: { name: 'Ada' } });
  });

  it('fails with exit 1 for an unknown id', async () => {
    const result = await cli([...store, 'status', '424242']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: No job with id "424242"/);
  });
});

describe('conveyor worker', () => {
  it('runs jobs enqueued beforehand, with the module\'s resources, and exits 0 on SIGTERM', async () => {
    const greet = await cli([...store, 'enqueue', 'fixture.greet', '{"name":"Ada"}', '--tasks', FIXTURE_TASKS, '--json']);
    const flaky = await cli([...store, 'enqueue', 'fixture.flaky', '{}', '--tasks', FIXTURE_TASKS, '--json']);
    const [greetId, flakyId] = [greet, flaky].map((r) => (JSON.parse(r.stdout) as { job: { id: string } }).job.id);

    const worker = startCli([...store, 'worker', FIXTURE_TASKS, '--concurrency', '3']);
    const banner = await worker.waitForStdout('\n');
    expect(banner).toMatch(/serving 3 task\(s\) \[fixture\.flaky, fixture\.greet, fixture\.resize\] on queue\(s\) \[default, media\] with concurrency 3/);
    const [greetJob, flakyJob] = await withConveyor((conveyor) => Promise.all([conveyor.waitFor(greetId!), conveyor.waitFor(flakyId!)]));
    expect(greetJob).toMatchObject({ state: 'succeeded', result: { greeting: 'Hello, Ada.' } });
    expect(flakyJob).toMatchObject({ state: 'succeeded', attempt: 2 });

    worker.child.kill('SIGTERM');
    const exit = await worker.finished;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('conveyor worker stopped');

    const status = await cli([...store, 'status', flakyId!]);
    expect(status.stdout).toMatch(/state +succeeded/);
    expect(status.stdout).toMatch(/attempt +2\/3/);
    expect(status.stdout).toMatch(/errors \(1\)\n    attempt 1 at \S+: first attempt fails on purpose/);
  });

  it('refuses a module without tasks, naming it and what it should export', async () => {
    const result = await cli([...store, 'worker', 'src/cli/fixtures/no-tasks.ts']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: <module> "src\/cli\/fixtures\/no-tasks\.ts": exports no tasks; export each task made by defineTask/);
  });

  it('refuses --queues naming a queue none of the tasks is on', async () => {
    const result = await cli([...store, 'worker', FIXTURE_TASKS, '--queues', 'media,emails']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: --queues: lists "emails", but no task of the module is on it/);
  });
});
