/**
 * A SQLite file that cannot take writes (issue 13, item 7), over real HTTP on loopback: a real full
 * disk (a tmpfs filled up), a real truncated file, a file deleted or replaced under the server. The
 * API answers 503 saying what, which file and what to do, and `/ready`'s store check fails, where it
 * used to answer 500 "internal" and call the store fine. And its files are the owner's only (item 12).
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cli } from '../cli/fixtures/run.js';
import { Conveyor } from '../conveyor.js';
import { createServerApp } from '../server/app.js';
import type { Readiness } from '../insights/readiness.js';
import { healthRoutes } from '../server/health.js';
import { startServer } from '../server/listen.js';
import { errorJson } from '../server/test-server.js';
import { itWithSmallDisk } from '../testing/small-disk.js';
import { defineTask } from '../task.js';

const TOKEN = 'sqlite-faults-token-0123456789abcdef';
const blobTask = defineTask({ name: 'faults.blob', input: z.object({ blob: z.string() }), run: () => null });
const logger = pino({ level: 'silent' });

interface Served {
  conveyor: Conveyor;
  request(method: string, path: string, body?: unknown): Promise<Response>;
  /** The `store` check of GET /ready. */
  storeCheck(): Promise<{ status: number; ok: boolean; detail: string }>;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'conveyor-sqlite-faults-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** The API and /ready, as `conveyor serve` mounts them, on a real loopback port over the SQLite file `path`. */
async function serve(path: string): Promise<Served> {
  const conveyor = await Conveyor.open({ store: `sqlite:${path}`, tasks: [blobTask], logger });
  const app = createServerApp({ deps: { conveyor, logger }, tokens: [TOKEN], enqueueRateLimit: null, extraRoutes: [healthRoutes] });
  const server = await startServer({ app, port: 0, host: '127.0.0.1' });
  const request = (method: string, route: string, body?: unknown) =>
    fetch(`${server.url}${route}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const served: Served = {
    conveyor,
    request,
    storeCheck: async () => {
      const response = await request('GET', '/ready');
      const check = ((await response.json()) as Readiness).checks.find((candidate) => candidate.name === 'store')!;
      return { status: response.status, ok: check.ok, detail: check.detail };
    },
    close: async () => {
      await server.close();
      await conveyor.close();
    },
  };
  cleanups.push(() => served.close());
  return served;
}

/** Enqueue jobs of `bytes` each until the API refuses one (at most `tries`); the refusal. */
async function enqueueUntilRefused(served: Served, bytes: number, tries: number): Promise<Response> {
  for (let attempt = 0; attempt < tries; attempt++) {
    const response = await served.request('POST', '/jobs', { task: blobTask.name, input: { blob: 'x'.repeat(bytes) } });
    if (response.status !== 201) return response;
  }
  throw new Error(`the store took ${tries} jobs of ${bytes} bytes`);
}


describe('a SQLite store that cannot take writes', () => {
  itWithSmallDisk('on a full disk: 503 store_disk_full naming the file, /ready fails, and both recover once space is freed', async (disk) => {
    const path = join(disk.path, 'conveyor.db');
    const served = await serve(path);
    expect((await served.storeCheck()).ok).toBe(true);
    const filler = disk.fill();
    const refused = await enqueueUntilRefused(served, 64 * 1024, 100);
    expect(refused.status).toBe(503);
    const { error } = await errorJson(refused);
    expect(error.code).toBe('store_disk_full');
    expect(error.message).toBe(`The SQLite database ${path} cannot grow: the disk holding it is full (SQLITE_FULL). Free space on that disk or move the database to a larger one; writes fail until then, and workers retry them.`);
    const ready = await served.storeCheck();
    expect(ready).toMatchObject({ status: 503, ok: false });
    expect(ready.detail).toMatch(new RegExp(`^cannot take writes: The SQLite database ${path} cannot grow: the disk holding it has \\d+ bytes free \\(below 1048576\\)\\. Free space`));
    rmSync(filler);
    expect((await served.storeCheck()).ok).toBe(true);
    expect((await served.request('POST', '/jobs', { task: blobTask.name, input: { blob: 'after' } })).status).toBe(201);
  });

  it('with a truncated file: reading the lost pages is 503 store_corrupt naming the file, and /ready says it is truncated', async () => {
    const path = join(tempDir(), 'conveyor.db');
    const seeded = await Conveyor.open({ store: `sqlite:${path}`, tasks: [blobTask], logger });
    for (let batch = 0; batch < 20; batch++) await seeded.enqueueMany(Array.from({ length: 50 }, () => ({ task: blobTask, input: { blob: 'y'.repeat(2000) } })));
    await seeded.close();
    const fullSize = statSync(path).size;
    const served = await serve(path);
    truncateSync(path, Math.floor(fullSize / 2));
    const listed = await served.request('GET', '/jobs?limit=1000');
    expect(listed.status).toBe(503);
    const { error } = await errorJson(listed);
    expect(error.code).toBe('store_corrupt');
    expect(error.message).toMatch(new RegExp(`^The SQLite database ${path} is corrupt or not a SQLite database \\(SQLITE_CORRUPT.*\\)\\. Stop every Conveyor process using it, then restore it from a backup`));
    const ready = await served.storeCheck();
    expect(ready).toMatchObject({ status: 503, ok: false });
    // Whether the probe's own reads reach the lost pages or only its header check sees the damage, it says so once.
    expect(ready.detail).toMatch(new RegExp(`^cannot take writes: The SQLite database ${path} is corrupt`));
    expect(ready.detail.split('Stop every Conveyor process')).toHaveLength(2);
  });

  it.each([
    ['deleted', (path: string) => ['', '-wal', '-shm'].forEach((suffix) => rmSync(`${path}${suffix}`, { force: true })), 'was deleted while this process had it open'],
    ['replaced', (path: string) => (copyFileSync(path, `${path}.restored`), renameSync(`${path}.restored`, path)), 'was replaced by another file while this process had it open'],
  ])('when its file is %s under the server: /ready fails and enqueuing is 503 store_file_lost', async (_, change, what) => {
    const path = join(tempDir(), 'conveyor.db');
    const served = await serve(path);
    expect((await served.request('POST', '/jobs', { task: blobTask.name, input: { blob: 'before' } })).status).toBe(201);
    change(path);
    const ready = await served.storeCheck();
    expect(ready).toMatchObject({ status: 503, ok: false });
    expect(ready.detail).toContain(`cannot take writes: The SQLite database ${path} ${what}`);
    const refused = await served.request('POST', '/jobs', { task: blobTask.name, input: { blob: 'lost' } });
    expect(refused.status).toBe(503);
    const { error } = await errorJson(refused);
    expect(error.code).toBe('store_file_lost');
    expect(error.message).toContain(`The SQLite database ${path} ${what}`);
    expect(error.message).toContain('Restart every Conveyor process using it');
  });

  it('that is not a database at start-up: the CLI prints one error line naming the file, not a stack', async () => {
    const path = join(tempDir(), 'conveyor.db');
    writeFileSync(path, Buffer.alloc(8192, 'garbage!'));
    const result = await cli(['--store', `sqlite:${path}`, 'migrate']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `error: The SQLite database ${path} is corrupt or not a SQLite database (SQLITE_NOTADB: file is not a database). ` +
        `Stop every Conveyor process using it, then restore it from a backup, or move it (with its -wal and -shm files) aside to start on an empty one; \`sqlite3 ${path} "PRAGMA integrity_check"\` shows the damage.`,
    ]);
  });
});

describe('the files of a new SQLite store (issue 13, item 12)', () => {
  it('are readable by the owner only: 0700 folders Conveyor creates, a 0600 database with its -wal and -shm', async () => {
    const root = tempDir();
    const path = join(root, 'data', 'conveyor', 'jobs.db');
    const conveyor = await Conveyor.open({ store: `sqlite:${path}`, tasks: [blobTask], logger });
    await conveyor.enqueue(blobTask, { blob: 'private' });
    const modes = Object.fromEntries(
      [join(root, 'data'), join(root, 'data', 'conveyor'), path, `${path}-wal`, `${path}-shm`].map((file) => [file.slice(root.length), (statSync(file).mode & 0o777).toString(8)]),
    );
    await conveyor.close();
    expect(modes).toEqual({ '/data': '700', '/data/conveyor': '700', '/data/conveyor/jobs.db': '600', '/data/conveyor/jobs.db-wal': '600', '/data/conveyor/jobs.db-shm': '600' });
  });

  it('keep the mode of a folder that already exists', async () => {
    const folder = join(tempDir(), 'shared');
    mkdirSync(folder, { mode: 0o755 });
    const conveyor = await Conveyor.open({ store: `sqlite:${join(folder, 'jobs.db')}`, logger });
    await conveyor.close();
    expect((statSync(folder).mode & 0o777).toString(8)).toBe('755');
    expect((statSync(join(folder, 'jobs.db')).mode & 0o777).toString(8)).toBe('600');
  });
});
