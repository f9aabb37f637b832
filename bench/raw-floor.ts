/**
 * The floor: the statements Conveyor's SQLite store issues for the same work, in the same
 * transaction shapes, issued directly through better-sqlite3 with the same pragmas. Nothing else:
 * no validation, no row mapping, no event loop hops.
 */
import type Database from 'better-sqlite3';
import * as sql from '../src/sqlite/queries.js';
import { atSteadyRate, freshDatabase, insertParams, openRaw, QUEUE, readLatencies, seedQueuedJobs, startChild, stopChild, TASKS_JSON, unfinishedCount, sleep } from './shared.js';

const WORKER_ID = 'raw-floor';
const LEASE_MS = 30_000;

/** Claim up to `limit` jobs the way `jobs.claim` does: candidates then claim, in one BEGIN IMMEDIATE. */
export function claimer(db: Database.Database): (limit: number) => Array<{ id: number; attempt: number }> {
  const candidates = db.prepare(sql.JOB_CLAIM_CANDIDATES);
  const claim = db.prepare(sql.JOB_CLAIM);
  const transaction = db.transaction((limit: number) => {
    const now = Date.now();
    const ids = (candidates.all({ queue: QUEUE, tasks: TASKS_JSON, now, limit }) as Array<{ id: number }>).map((row) => row.id);
    if (ids.length === 0) return [];
    return claim.all({ ids: JSON.stringify(ids), workerId: WORKER_ID, leaseExpiresAt: now + LEASE_MS, now }) as Array<{ id: number; attempt: number }>;
  });
  return (limit) => transaction.immediate(limit);
}

/** Record a batch of successes the way `jobs.setStateIfRunningMany` does: one BEGIN IMMEDIATE per batch. */
export function completer(db: Database.Database): (jobs: Array<{ id: number; attempt: number }>) => void {
  const succeed = db.prepare(sql.JOB_SET_SUCCEEDED);
  const transaction = db.transaction((jobs: Array<{ id: number; attempt: number }>) => {
    const at = Date.now();
    for (const job of jobs) succeed.run({ id: job.id, attempt: job.attempt, workerId: WORKER_ID, at, result: 'null' });
  });
  return (jobs) => transaction.immediate(jobs);
}

/** Bulk insert: one transaction per 1000 jobs. */
export async function rawBulkEnqueue(count: number): Promise<number> {
  const db = openRaw(await freshDatabase());
  const insert = db.prepare(sql.JOB_INSERT);
  const insertChunk = db.transaction((from: number, to: number, now: number) => {
    for (let n = from; n < to; n++) insert.get(insertParams(n, now));
  });
  const start = performance.now();
  for (let from = 0; from < count; from += 1000) insertChunk.immediate(from, Math.min(count, from + 1000), Date.now());
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return count / seconds;
}

/** Drain: claim a batch, complete it in one transaction, until a claim finds nothing. */
export async function rawDrain(count: number, batch: number): Promise<number> {
  const path = await freshDatabase();
  seedQueuedJobs(path, count);
  const db = openRaw(path);
  const claim = claimer(db);
  const complete = completer(db);
  const start = performance.now();
  for (let jobs = claim(batch); jobs.length > 0; jobs = claim(batch)) complete(jobs);
  const seconds = (performance.now() - start) / 1000;
  if (unfinishedCount(db) !== 0) throw new Error('raw drain left jobs behind');
  db.close();
  return count / seconds;
}

/** Single inserts at a steady rate; each is claimed and completed right after, in this process. */
export async function rawLatencyInProcess(count: number, perSecond: number): Promise<number[]> {
  const path = await freshDatabase();
  const db = openRaw(path);
  const insert = db.prepare(sql.JOB_INSERT);
  const insertOne = db.transaction((n: number) => insert.get(insertParams(n, Date.now())));
  const claim = claimer(db);
  const complete = completer(db);
  await atSteadyRate(count, perSecond, (n) => {
    insertOne.immediate(n);
    complete(claim(10));
  });
  db.close();
  return readLatencies(path);
}

/** Single inserts at a steady rate, claimed by a raw poller in another process (`raw-poller-process.ts`). */
export async function rawLatencyCrossProcess(count: number, perSecond: number): Promise<number[]> {
  const path = await freshDatabase();
  const poller = await startChild('./raw-poller-process.ts', [path]);
  const db = openRaw(path);
  const insert = db.prepare(sql.JOB_INSERT);
  const insertOne = db.transaction((n: number) => insert.get(insertParams(n, Date.now())));
  await atSteadyRate(count, perSecond, (n) => void insertOne.immediate(n));
  while (unfinishedCount(db) > 0) await sleep(20);
  db.close();
  await stopChild(poller);
  return readLatencies(path);
}
