/** What both sides of the bench share: the no-op task, fresh database files, timing and statistics (the PostgreSQL bench uses all but the files). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { defineTask, type Logger } from '../src/index.js';
import { openSqliteStore } from '../src/sqlite/index.js';
import * as sql from '../src/sqlite/queries.js';

export const TASK = 'bench.noop';
export const QUEUE = 'default';
export const TASKS_JSON = JSON.stringify([TASK]);
/** The engine's default; a worker in another process finds new jobs by polling at this interval. */
export const POLL_INTERVAL_MS = 200;
export const BUSY_TIMEOUT_MS = 5000;

export const noop = defineTask({ name: TASK, queue: QUEUE, input: z.object({ n: z.int() }), run: () => {} });

const ignore = (): void => {};
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore, child: () => silentLogger };

/** The temporary directory of this run's database files, made by the first `freshDatabase` (not at import). */
let root: string | null = null;
let files = 0;

/** A path for a new database file, migrated to the current schema by the store itself. */
export async function freshDatabase(): Promise<string> {
  root ??= mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
  files += 1;
  const path = join(root, `run-${files}.db`);
  const store = openSqliteStore({ path });
  await store.migrations.run({ now: new Date() });
  await store.close();
  return path;
}

export function removeDatabases(): void {
  if (root !== null) rmSync(root, { recursive: true, force: true });
  root = null;
}

/** A raw connection with the pragmas `openSqliteStore` sets (WAL, synchronous=full, busy timeout). */
export function openRaw(path: string): Database.Database {
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  db.pragma(sql.PRAGMA_JOURNAL_MODE_WAL);
  db.pragma(sql.PRAGMA_SYNCHRONOUS_FULL);
  db.pragma(sql.PRAGMA_FOREIGN_KEYS_ON);
  return db;
}

/** Queued no-op jobs, inserted raw (setup, not timed): both sides drain identical tables. */
export function seedQueuedJobs(path: string, count: number): void {
  const db = openRaw(path);
  const insert = db.prepare(sql.JOB_INSERT);
  const now = Date.now();
  const insertChunk = db.transaction((from: number, to: number) => {
    for (let n = from; n < to; n++) insert.get(insertParams(n, now));
  });
  for (let from = 0; from < count; from += 1000) insertChunk.immediate(from, Math.min(count, from + 1000));
  db.close();
}

/** The parameters the store binds to JOB_INSERT for a no-op job enqueued at `now`. */
export function insertParams(n: number, now: number): Record<string, unknown> {
  return { task: TASK, queue: QUEUE, input: JSON.stringify({ n }), state: 'queued', priority: 0, runAt: now, maxAttempts: 5, dedupKey: null, concurrencyKey: null, traceContext: null, now };
}

/** Jobs queued or running, as the store counts them. */
export function unfinishedCount(db: Database.Database): number {
  const rows = db.prepare(sql.JOB_COUNT_BY_GROUP).all({ states: JSON.stringify(['queued', 'running']) }) as Array<{ count: number }>;
  return rows.reduce((sum, row) => sum + row.count, 0);
}

/** `startedAt − createdAt` of every job in the file, in ms. */
export function readLatencies(path: string): number[] {
  const db = openRaw(path);
  const rows = db.prepare('SELECT created_at, started_at FROM conveyor_jobs WHERE started_at IS NOT NULL').all() as Array<{ created_at: number; started_at: number }>;
  db.close();
  return rows.map((row) => row.started_at - row.created_at);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Call `send(i)` `count` times at a steady `perSecond` rate (each call scheduled from the start, so slow calls do not shift the rest). */
export async function atSteadyRate(count: number, perSecond: number, send: (i: number) => Promise<void> | void): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    await sleep(Math.max(0, start + (i * 1000) / perSecond - performance.now()));
    await send(i);
  }
}

/** Start `bench/<file>` in a new Node process (through tsx) and wait for it to print `ready`. */
export async function startChild(file: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  // A bench that exits early (an error, Ctrl-C) must not leave a worker running behind it.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
  });
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile, `p` from 0 to 1. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}
