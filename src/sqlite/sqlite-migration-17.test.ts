/**
 * Migration 17 (kept job counts) on a database at version 16 that holds jobs in every state: the
 * counts it starts from are those of the rows, its failed and dead jobs get their fingerprints written
 * when asked, and writes through another connection change them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { latestErrorFingerprint } from '../store/failure-fingerprints.js';
import { KEPT_COUNT_STATES } from '../store/kept-counts.js';
import { openSqliteStore } from './index.js';
import { migrations } from './migrations.generated.js';
import * as sql from './queries.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-sqlite-migration-17-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('starts the kept counts from the jobs already there, and keeps them from then on', async () => {
  const path = join(dir, 'v16.db');
  const db = new Database(path);
  db.transaction(() => {
    db.exec(sql.MIGRATIONS_TABLE_CREATE);
    for (const migration of migrations.filter((m) => m.version <= 16)) {
      db.exec(migration.sql);
      db.prepare(sql.MIGRATION_RECORD).run({ version: migration.version, name: migration.name, checksum: migration.checksum, appliedAt: 0 });
    }
  }).immediate();
  const insert = db.prepare(`INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at)
    VALUES (@task, 'q', '{}', @state, 0, 0, 3, 0, 0)`);
  for (const state of ['waiting', 'scheduled', 'queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled']) insert.run({ task: 'a', state });
  insert.run({ task: 'a', state: 'dead' });
  insert.run({ task: 'b', state: 'dead' });
  db.close();

  const store = openSqliteStore({ path });
  try {
    await store.migrations.run({ now: new Date() });
    expect(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] })).toEqual([
      { task: 'a', queue: 'q', state: 'cancelled', count: 1 },
      { task: 'a', queue: 'q', state: 'dead', count: 2 },
      { task: 'a', queue: 'q', state: 'failed', count: 1 },
      { task: 'a', queue: 'q', state: 'scheduled', count: 1 },
      { task: 'a', queue: 'q', state: 'waiting', count: 1 },
      { task: 'b', queue: 'q', state: 'dead', count: 1 },
    ]);
    // Failed and dead jobs from before the migration have no fingerprint until one is written for them.
    const none = latestErrorFingerprint(undefined).fingerprint;
    const failures = (fingerprint: string | null) => [
      { fingerprint, task: 'a', queue: 'q', state: 'dead', count: 2 },
      { fingerprint, task: 'a', queue: 'q', state: 'failed', count: 1 },
      { fingerprint, task: 'b', queue: 'q', state: 'dead', count: 1 },
    ];
    expect(await store.jobs.countFailures()).toEqual(failures(null));
    expect(await store.jobs.fingerprintFailures({ limit: 100 })).toBe(4);
    expect(await store.jobs.foldKeptCounts({ limit: 100 }), 'SQLite changes its counts in place').toBe(0);
    expect(await store.jobs.countFailures()).toEqual(failures(none));
    expect(await store.jobs.fingerprintFailures({ limit: 100 })).toBe(0);
    const other = new Database(path);
    try {
      other.prepare(`INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at) VALUES ('b', 'q', '{}', 'dead', 0, 0, 3, 0, 0)`).run();
      other.prepare(`UPDATE conveyor_jobs SET state = 'queued' WHERE state = 'waiting'`).run();
      other.prepare(`DELETE FROM conveyor_jobs WHERE state = 'cancelled'`).run();
    } finally {
      other.close();
    }
    expect(await store.jobs.countKept({ states: [...KEPT_COUNT_STATES] })).toEqual([
      { task: 'a', queue: 'q', state: 'dead', count: 2 },
      { task: 'a', queue: 'q', state: 'failed', count: 1 },
      { task: 'a', queue: 'q', state: 'scheduled', count: 1 },
      { task: 'b', queue: 'q', state: 'dead', count: 2 },
    ]);
  } finally {
    await store.close();
  }
});
