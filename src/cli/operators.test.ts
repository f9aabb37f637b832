/** `conveyor failures`, `schedules`, `workers`, `enqueue --file` and the worker's timing flags, as child processes on a real SQLite file. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSchedule, defineTask } from '../index.js';
import { cli, FIXTURE_TASKS, startCli } from './fixtures/run.js';
import { createTestStore, type TestStore } from './fixtures/store-dir.js';

let store: TestStore;

beforeEach(() => {
  store = createTestStore('conveyor-cli-operators-test-');
});

afterEach(() => store.remove());

const charge = defineTask({
  name: 'fixture.charge',
  input: z.object({ customer: z.string() }),
  retry: { maxAttempts: 1 },
  run: ({ customer }) => {
    throw new Error(`Customer "${customer}" has no billing address`);
  },
});

describe('conveyor failures', () => {
  it('lists failure groups and retries one group by its fingerprint', async () => {
    const ids = await store.withConveyor(
      async (conveyor) => {
        const enqueued = await Promise.all(['ada', 'bob'].map(async (customer) => (await conveyor.enqueue(charge, { customer })).job.id));
        const worker = conveyor.createWorker({ tasks: [charge], pollIntervalMs: 10 });
        await worker.start();
        for (const id of enqueued) await conveyor.waitFor(id);
        await worker.stop();
        return enqueued;
      },
      { tasks: [charge] },
    );
    const listed = await cli([...store.args, 'failures']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/^[0-9a-f]{16} {2}2 job\(s\): 0 failed \(retrying\), 2 dead\n {2}Error: Customer "<str>" has no billing address\n {2}at /);
    expect(listed.stdout).toContain('  tasks fixture.charge; queues default\n');
    const fingerprint = listed.stdout.slice(0, 16);

    const json = JSON.parse((await cli([...store.args, 'failures', '--json'])).stdout) as { groups: Array<{ fingerprint: string; count: number }>; scanned: number };
    expect(json).toMatchObject({ scanned: 2, groups: [{ fingerprint, count: 2 }] });

    const retried = await cli([...store.args, 'failures', 'retry', fingerprint]);
    expect(retried).toMatchObject({ code: 0, stdout: `retried 2 of 2 job(s) of group ${fingerprint}\n` });
    const states = await store.withConveyor(async (conveyor) => Promise.all(ids.map(async (id) => (await conveyor.getJob(id))?.state)));
    expect(states).toEqual(['queued', 'queued']);
    expect((await cli([...store.args, 'failures'])).stdout).toBe('no failed or dead jobs\n');
  });

  it('refuses a malformed fingerprint and reports one that matches no job', async () => {
    const malformed = await cli([...store.args, 'failures', 'retry', 'abc']);
    expect(malformed).toMatchObject({
      code: 1,
      stderr: 'error: <fingerprint>: must be the 16 hex characters `conveyor failures` prints first on a group, got "abc". Example of a valid value: 3f9a0c1b2d4e5f60\n',
    });
    const unknown = await cli([...store.args, 'failures', 'retry', '0123456789abcdef']);
    expect(unknown.stderr).toBe('error: No failed or dead job has an error with fingerprint 0123456789abcdef among the newest 10,000; list the groups with `conveyor failures`\n');
  });
});

describe('conveyor schedules', () => {
  const nightly = defineSchedule({ name: 'reports.nightly', task: charge, cron: '0 3 * * *', timeZone: 'UTC', input: { customer: 'ada' } });

  it('lists, pauses and resumes a schedule', async () => {
    expect((await cli([...store.args, 'schedules', 'list'])).stdout).toBe('no schedules; define them with defineSchedule and pass them to Conveyor.open({ schedules })\n');
    await store.withConveyor(async () => {}, { tasks: [charge], schedules: [nightly] });
    const listed = await cli([...store.args, 'schedules', 'list']);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/^NAME +CRON +TIME ZONE +TASK +STATE +NEXT \(UTC\) +LAST \(UTC\)\nreports\.nightly +0 3 \* \* \* +UTC +fixture\.charge +active +\d{4}-\d\d-\d\d 03:00:00 +-\n$/);
    const paused = await cli([...store.args, 'schedules', 'pause', 'reports.nightly']);
    expect(paused.stdout).toMatch(/^reports\.nightly: paused since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n$/);
    expect(await store.withConveyor((conveyor) => conveyor.schedules.list())).toEqual([expect.objectContaining({ name: 'reports.nightly', pausedAt: expect.any(Date) })]);
    const resumed = await cli([...store.args, 'schedules', 'resume', 'reports.nightly', '--json']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ name: 'reports.nightly', pausedAt: null });
  });

  it('fails with exit 1 for an unknown schedule, naming the store', async () => {
    const result = await cli([...store.args, 'schedules', 'pause', 'nope']);
    expect(result).toMatchObject({ code: 1, stderr: `error: No schedule named "nope" in ${store.url}\n` });
  });
});

describe('conveyor workers, and worker timing flags', () => {
  it('lists a live worker started with every timing flag, and it runs jobs', async () => {
    expect((await cli([...store.args, 'workers'])).stdout).toBe('no workers registered\n');
    const worker = startCli([...store.args, 'worker', FIXTURE_TASKS, '--lease-ms', '5000', '--heartbeat-ms', '500', '--drain-ms', '1000', '--prefetch', '2', '--poll-ms', '50']);
    const banner = await worker.waitForStdout('\n');
    const workerId = /conveyor worker (\S+) serving/.exec(banner)?.[1];
    expect(workerId).toBeDefined();
    const listed = await cli([...store.args, 'workers']);
    expect(listed.stdout).toMatch(/^ID +STATUS +HOST +PID +QUEUES +CONCURRENCY +STARTED \(UTC\) +LAST HEARTBEAT \(UTC\)\n/);
    expect(listed.stdout).toMatch(new RegExp(`\\n${workerId} +live +\\S+ +${worker.child.pid} +default,media +10 `));
    const json = JSON.parse((await cli([...store.args, 'workers', '--json'])).stdout) as unknown;
    expect(json).toEqual([expect.objectContaining({ id: workerId, live: true, queues: ['default', 'media'] })]);

    const id = (JSON.parse((await cli([...store.args, 'enqueue', 'fixture.greet', '{"name":"Ada"}', '--tasks', FIXTURE_TASKS, '--json'])).stdout) as { job: { id: string } }).job.id;
    expect(await store.withConveyor((conveyor) => conveyor.waitFor(id))).toMatchObject({ state: 'succeeded' });
    worker.child.kill('SIGTERM');
    expect((await worker.finished).code).toBe(0);
  });

  it.each([
    [['--lease-ms', '50'], 'error: --lease-ms: must be an integer from 100 to 86400000, got 50. Example of a valid value: 30000\n'],
    [['--lease-ms', '6000', '--heartbeat-ms', '5000'], 'error: --heartbeat-ms: must be an integer from 10 to 3000, got 5000. Example of a valid value: 2000\n'],
    [['--drain-ms', '-1'], 'error: --drain-ms: must be an integer from 0 to 3600000, got -1. Example of a valid value: 10000\n'],
    [['--prefetch', '20000'], 'error: --prefetch: must be an integer from 0 to 10000, got 20000. Example of a valid value: 100\n'],
    [['--poll-ms', '0'], 'error: --poll-ms: must be an integer from 1 to 60000, got 0. Example of a valid value: 200\n'],
    [['--poll-ms', 'fast'], "error: option '--poll-ms <ms>' argument 'fast' is invalid. It must be an integer, e.g. 200.\n"],
  ])('refuses %j naming the flag and a right value', async (flags, message) => {
    const result = await cli([...store.args, 'worker', FIXTURE_TASKS, ...flags]);
    expect(result).toMatchObject({ code: 1, stderr: message });
  });
});

describe('conveyor enqueue --file', () => {
  it('validates every line, then stores all of them', async () => {
    const file = join(store.directory, 'jobs.ndjson');
    writeFileSync(file, '{"task":"fixture.greet","input":{"name":"Ada"}}\n\n{"task":"fixture.resize","input":{"size":{"width":2,"height":3}},"options":{"priority":7}}\n');
    const result = await cli([...store.args, 'enqueue', '--file', file, '--tasks', FIXTURE_TASKS]);
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: `enqueued 2 job(s) from ${file}\n` });
    const { jobs } = await store.withConveyor((conveyor) => conveyor.listJobs());
    expect(jobs).toEqual([expect.objectContaining({ task: 'fixture.resize', priority: 7 }), expect.objectContaining({ task: 'fixture.greet', input: { name: 'Ada' } })]);
  });

  it('stores nothing when a line is wrong, naming each bad line and what was wrong', async () => {
    const file = join(store.directory, 'jobs.ndjson');
    writeFileSync(
      file,
      [
        '{"task":"fixture.greet","input":{"name":"Ada"}}',
        '{"task":"fixture.greet","input":{"name":""}}',
        'not json',
        '{"task":"fixture.nope","input":{}}',
        '{"task":"fixture.greet","input":{"name":"Bob"},"options":{"priority":"high"}}',
      ].join('\n'),
    );
    const result = await cli([...store.args, 'enqueue', '--file', file, '--tasks', FIXTURE_TASKS]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        `error: ${file}: 4 of 5 line(s) cannot be enqueued, so nothing was. Each line is one job, e.g. {"task":"email.send","input":{"to":"ada@example.com"},"options":{"priority":10}}`,
        '  line 2: Invalid input for task "fixture.greet": name: Too small: expected string to have >=1 characters',
        `  line 3: is not valid JSON (Unexpected token 'o', "not json" is not valid JSON)`,
        '  line 4: unknown task "fixture.nope"; the module exports "fixture.flaky", "fixture.greet", "fixture.resize"',
        '  line 5: options.priority: Invalid input: expected number, received string',
        '',
      ].join('\n'),
    );
    expect((await store.withConveyor((conveyor) => conveyor.listJobs())).jobs).toEqual([]);
  });

  it('refuses --file with a task name or a single-job option', async () => {
    const withTask = await cli([...store.args, 'enqueue', 'fixture.greet', '--file', 'jobs.ndjson', '--tasks', FIXTURE_TASKS]);
    expect(withTask.stderr).toBe('error: --file: cannot go with a task name ("fixture.greet"): each line names its task. Example of a valid value: conveyor enqueue --file jobs.ndjson --tasks src/tasks.ts\n');
    const withPriority = await cli([...store.args, 'enqueue', '--file', 'jobs.ndjson', '--priority', '3', '--tasks', FIXTURE_TASKS]);
    expect(withPriority.stderr).toMatch(/^error: --priority: cannot go with --file: set it in the "options" of each line\. Example of a valid value: \{"task"/);
    const missing = await cli([...store.args, 'enqueue', '--file', join(store.directory, 'none.ndjson'), '--tasks', FIXTURE_TASKS]);
    expect(missing.stderr).toMatch(/^error: --file .*none\.ndjson: cannot be read \(ENOENT\)/);
  });
});
