/** `conveyor jobs`, `cancel` and `retry`, run for real as child processes against a fresh SQLite file. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Conveyor } from '../conveyor.js';
import { defineTask } from '../index.js';
import { cli, FIXTURE_TASKS } from './fixtures/run.js';
import { createTestStore, type TestStore } from './fixtures/store-dir.js';

let store: TestStore;

beforeEach(() => {
  store = createTestStore('conveyor-cli-jobs-test-');
});

afterEach(() => store.remove());

/** Fails every attempt; one attempt in all, so a job of it goes dead at once. */
const doomed = defineTask({
  name: 'fixture.doomed',
  input: z.object({ n: z.number() }),
  retry: { maxAttempts: 1 },
  run: ({ n }) => {
    throw new Error(`doomed job ${n} fails on purpose`);
  },
});

/** Enqueue `count` jobs of `doomed` and run them to dead with a real worker; their ids, oldest first. */
async function deadJobs(conveyor: Conveyor, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1) ids.push((await conveyor.enqueue(doomed, { n })).job.id);
  const worker = conveyor.createWorker({ tasks: [doomed], pollIntervalMs: 10 });
  await worker.start();
  for (const id of ids) expect((await conveyor.waitFor(id)).state).toBe('dead');
  await worker.stop();
  return ids;
}

async function enqueueGreet(name: string): Promise<string> {
  const result = await cli([...store.args, 'enqueue', 'fixture.greet', JSON.stringify({ name }), '--tasks', FIXTURE_TASKS, '--json']);
  return (JSON.parse(result.stdout) as { job: { id: string } }).job.id;
}

describe('conveyor jobs', () => {
  it('prints a table, newest first, filtered by state and task, a page at a time', async () => {
    const ada = await enqueueGreet('Ada');
    const bob = await enqueueGreet('Bob');
    await cli([...store.args, 'enqueue', 'fixture.resize', '{"size":{"width":2,"height":3}}', '--tasks', FIXTURE_TASKS]);

    const all = await cli([...store.args, 'jobs', '--task', 'fixture.greet', '--state', 'queued']);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +TASK +QUEUE +STATE +ATTEMPT +CREATED \(UTC\) +INPUT$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^${bob} +fixture\\.greet +default +queued +0/5 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\{"name":"Bob"\\}$`)),
      expect.stringMatching(new RegExp(`^${ada} +fixture\\.greet +default +queued +0/5 .+\\{"name":"Ada"\\}$`)),
    ]);

    const first = await cli([...store.args, 'jobs', '--limit', '1', '--task', 'fixture.greet']);
    expect(first.stdout).toContain(`more jobs: add --cursor ${bob}\n`);
    const second = await cli([...store.args, 'jobs', '--limit', '1', '--task', 'fixture.greet', '--cursor', bob]);
    expect(second.stdout).toMatch(new RegExp(`\\n${ada} +fixture\\.greet`));
    expect(second.stdout).not.toContain('more jobs');
  });

  it('searches input text and prints a JSON array with --json, the next cursor on stderr', async () => {
    await enqueueGreet('Ada Lovelace');
    await enqueueGreet('Grace Hopper');
    const found = await cli([...store.args, 'jobs', '--search', 'lovelace', '--json']);
    expect(found.code).toBe(0);
    const jobs = JSON.parse(found.stdout) as Array<{ task: string; inputPreview: string }>;
    expect(jobs).toEqual([expect.objectContaining({ task: 'fixture.greet', inputPreview: '{"name":"Ada Lovelace"}' })]);
    const none = await cli([...store.args, 'jobs', '--created-before', '2000-01-01']);
    expect(none).toMatchObject({ code: 0, stdout: 'no jobs match\n' });
    const paged = await cli([...store.args, 'jobs', '--json', '--limit', '1']);
    expect(JSON.parse(paged.stdout)).toHaveLength(1);
    expect(paged.stderr).toMatch(/^more jobs: add --cursor \d+\n$/);
  });

  it('names the option and shows a right value for a bad state, time, limit or cursor', async () => {
    const state = await cli([...store.args, 'jobs', '--state', 'dead,finished']);
    expect(state.code).toBe(1);
    expect(state.stderr).toBe(
      `error: option '--state <states>' argument 'dead,finished' is invalid. "finished" is not one of waiting, scheduled, queued, running, succeeded, failed, dead, cancelled; e.g. dead,failed.\n`,
    );
    const time = await cli([...store.args, 'jobs', '--created-after', 'yesterday']);
    expect(time.stderr).toBe(
      "error: option '--created-after <time>' argument 'yesterday' is invalid. It must be an ISO 8601 date or time with its offset, in the years 0001 to 9999, e.g. 2026-01-01 or 2026-01-01T09:00:00Z.\n",
    );
    expect((await cli([...store.args, 'jobs', '--created-after', '2026-01-01T09:00:00'])).code).toBe(1);
    const limit = await cli([...store.args, 'jobs', '--limit', '1001']);
    expect(limit.stderr).toBe("error: option '--limit <n>' argument '1001' is invalid. It must be an integer from 1 to 1000, e.g. 100.\n");
    const cursor = await cli([...store.args, 'jobs', '--cursor', 'abc']);
    expect(cursor.stderr).toBe(`error: option '--cursor <cursor>' argument 'abc' is invalid. It is not a cursor conveyor printed; pass the one after "more jobs: add --cursor" unchanged, e.g. 1234.\n`);
  });
});

describe('conveyor cancel', () => {
  it('cancels a queued job, says so when it was already finished, and prints JSON with --json', async () => {
    const id = await enqueueGreet('Ada');
    const cancelled = await cli([...store.args, 'cancel', id]);
    expect(cancelled).toMatchObject({ code: 0, stderr: '', stdout: `job ${id} (fixture.greet, queue default): cancelled\n` });
    expect(await store.withConveyor((conveyor) => conveyor.getJob(id))).toMatchObject({ state: 'cancelled' });
    const again = await cli([...store.args, 'cancel', id]);
    expect(again.stdout).toBe(`job ${id} (fixture.greet, queue default): already cancelled, nothing to cancel\n`);
    const json = await cli([...store.args, 'cancel', id, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, state: 'cancelled' });
  });

  it('fails with exit 1 naming the store for an unknown id', async () => {
    const result = await cli([...store.args, 'cancel', '424242']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `error: No job with id "424242" in ${store.url}\n` });
  });
});

describe('conveyor retry', () => {
  it('queues one dead job again', async () => {
    const [id] = await store.withConveyor((conveyor) => deadJobs(conveyor, 1), { tasks: [doomed] });
    const result = await cli([...store.args, 'retry', id!]);
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: `job ${id} (fixture.doomed, queue default): queued again, 1/2 attempts used\n` });
    expect(await store.withConveyor((conveyor) => conveyor.getJob(id!))).toMatchObject({ state: 'queued' });
  });

  it('retries every job a filter matches, up to --limit, newest first, and prints the count', async () => {
    const ids = await store.withConveyor((conveyor) => deadJobs(conveyor, 3), { tasks: [doomed] });
    const queuedId = await enqueueGreet('Ada');
    const some = await cli([...store.args, 'retry', '--task', 'fixture.doomed', '--limit', '2']);
    expect(some).toMatchObject({ code: 0, stderr: '' });
    expect(some.stdout).toBe('retried 2 of 2 matching job(s)\nmore jobs match: only the newest 2 were taken (--limit); run again for the next ones\n');
    const states = await store.withConveyor(async (conveyor) => Promise.all([...ids, queuedId].map(async (id) => (await conveyor.getJob(id))?.state)));
    expect(states).toEqual(['dead', 'queued', 'queued', 'queued']);

    const rest = await cli([...store.args, 'retry', '--state', 'dead', '--json']);
    expect(JSON.parse(rest.stdout)).toEqual({ matched: 1, capped: false, retried: [ids[0]], failed: [] });
    expect((await cli([...store.args, 'retry', '--state', 'dead'])).stdout).toBe('no jobs match; nothing retried\n');
  });

  it('refuses a job that cannot be retried, a state that cannot be, and an id with filters', async () => {
    const id = await enqueueGreet('Ada');
    const queued = await cli([...store.args, 'retry', id]);
    expect(queued).toMatchObject({ code: 1, stderr: `error: Job ${id} is queued; only failed, dead, cancelled, succeeded jobs can be retried\n` });
    const state = await cli([...store.args, 'retry', '--state', 'queued']);
    expect(state.stderr).toBe(`error: option '--state <states>' argument 'queued' is invalid. "queued" is not one of failed, dead, cancelled, succeeded; e.g. dead,failed.\n`);
    const both = await cli([...store.args, 'retry', id, '--state', 'dead']);
    expect(both.stderr).toBe(
      'error: <id>: cannot go with filter options; retry one job by its id, or many by filter. Example of a valid value: `conveyor retry 42`, or `conveyor retry --state dead --task email.send`\n',
    );
    const neither = await cli([...store.args, 'retry']);
    expect(neither).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: conveyor retry: needs a job id, or filter options to retry many\. Example of a valid value: `conveyor retry 42`/) });
    const limit = await cli([...store.args, 'retry', '--state', 'dead', '--limit', '5000']);
    expect(limit.stderr).toBe("error: option '--limit <n>' argument '5000' is invalid. It must be an integer from 1 to 1000, e.g. 500.\n");
  });
});
