/**
 * The change watcher's looks after a notification: another process's commit is published only once its
 * sync ends, which raises no notification, so a watcher that stops looking too soon misses it until the
 * next commit. Here the "commit" is a change of the stubbed data version, the notifications are writes
 * to the `-wal` file, and the version changes long after the notification, as on a busy disk.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DatabaseChangeWatcher } from './change-watcher.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let watcher: DatabaseChangeWatcher | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-watcher-'));
});

afterEach(() => {
  watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

function watch(): { changes: number[]; publish(): void; notify(): void } {
  const path = join(dir, 'conveyor.db');
  let version = 1;
  const changes: number[] = [];
  watcher = new DatabaseChangeWatcher({ path, dataVersion: () => version, onChange: () => changes.push(version), onError: () => undefined });
  return { changes, publish: () => (version += 1), notify: () => appendFileSync(`${path}-wal`, 'x') };
}

it('sees a commit published a second after its notification', async () => {
  const { changes, publish, notify } = watch();
  notify();
  await sleep(1_000);
  publish();
  await expect.poll(() => changes, { timeout: 3_000 }).toEqual([2]);
});

it('a notification during an earlier chain of looks starts them over, so a commit synced late is still seen', async () => {
  const { changes, publish, notify } = watch();
  notify(); // an own commit, say: nothing to tell, but a chain of looks starts
  await sleep(1_300);
  notify(); // another process's commit, its sync still running when the first chain ends
  await sleep(400);
  publish();
  await expect.poll(() => changes, { timeout: 3_000 }).toEqual([2]);
});

it('tells of each of two commits noticed one after the other, published in turn', async () => {
  const { changes, publish, notify } = watch();
  notify();
  notify();
  await sleep(50);
  publish();
  await sleep(300);
  publish();
  await expect.poll(() => changes, { timeout: 3_000 }).toEqual([2, 3]);
});
