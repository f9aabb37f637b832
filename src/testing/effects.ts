/**
 * Handler side effects recorded in a table of their own in the same database as the jobs, so tests
 * can count how many times each job's work really happened.
 */
import Database from 'better-sqlite3';
import { parseStoreUrl } from '../config.js';

export interface EffectsTable {
  record(jobId: string, attempt: number): void;
  /** How many effects each job recorded. */
  countByJob(): Map<string, number>;
  close(): void;
}

export function openEffects(storeUrl: string): EffectsTable {
  const location = parseStoreUrl(storeUrl, 'effects store');
  if (location.dialect !== 'sqlite') throw new Error(`effects table: no recorder for ${location.dialect} yet`);
  const db = new Database(location.path);
  db.pragma('busy_timeout = 10000');
  db.exec('CREATE TABLE IF NOT EXISTS test_effects (job_id TEXT NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO test_effects (job_id, attempt, pid) VALUES (?, ?, ?)');
  const count = db.prepare<[], { job_id: string; effects: number }>('SELECT job_id, count(*) AS effects FROM test_effects GROUP BY job_id');
  return {
    record: (jobId, attempt) => void insert.run(jobId, attempt, process.pid),
    countByJob: () => new Map(count.all().map((row) => [row.job_id, row.effects])),
    close: () => db.close(),
  };
}
