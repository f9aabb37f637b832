/** `conveyor queue pause|resume|list`, run for real as a child process against a fresh SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Conveyor } from '../conveyor.js';
import { cli, killStragglers, silentLogger } from './fixtures/run.js';

let directory: string;
let storeUrl: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'conveyor-cli-queue-test-'));
  storeUrl = `sqlite:${join(directory, 'db')}`;
});

afterEach(() => {
  killStragglers();
  rmSync(directory, { recursive: true, force: true });
});

describe('conveyor queue', () => {
  it('pauses, lists and resumes a queue, as text and as JSON', async () => {
    const store = ['--store', storeUrl];
    expect(await cli([...store, 'queue', 'list'])).toMatchObject({ code: 0, stdout: 'no queue was ever paused\n' });
    const paused = await cli([...store, 'queue', 'pause', 'mail']);
    expect(paused).toMatchObject({ code: 0, stderr: '' });
    expect(paused.stdout).toMatch(/^mail: paused since \d{4}-\d\d-\d\dT/);

    const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
    try {
      expect(await conveyor.listQueues()).toEqual([expect.objectContaining({ name: 'mail', paused: true })]);
    } finally {
      await conveyor.close();
    }

    expect((await cli([...store, 'queue', 'list'])).stdout).toMatch(/^mail: paused since /);
    expect(await cli([...store, 'queue', 'resume', 'mail'])).toMatchObject({ code: 0, stdout: 'mail: running\n' });
    const listed = JSON.parse((await cli([...store, 'queue', 'list', '--json'])).stdout) as unknown;
    expect(listed).toEqual([expect.objectContaining({ name: 'mail', paused: false, pausedAt: null })]);
  });

  it('lists the limits of a limited queue', async () => {
    const conveyor = await Conveyor.open({ store: storeUrl, logger: silentLogger });
    try {
      await conveyor.setQueueLimits('sync', { concurrency: 10, perKey: 2, rate: { limit: 20, intervalMs: 1000 } });
    } finally {
      await conveyor.close();
    }
    expect((await cli(['--store', storeUrl, 'queue', 'list'])).stdout).toBe('sync: running (limits: concurrency 10, 2 per key, 20 starts per 1000 ms)\n');
  });

  it('refuses a name no queue can have, saying what a valid one looks like, and changes nothing', async () => {
    const result = await cli(['--store', storeUrl, 'queue', 'pause', 'no spaces']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pauseQueue\(name\): must be 1–128 letters.*got "no spaces"/);
    expect((await cli(['--store', storeUrl, 'queue', 'list'])).stdout).toBe('no queue was ever paused\n');
  });
});
