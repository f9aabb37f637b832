/**
 * Migration 8 on a database at version 7 holding a flow: the jobs that have children are marked so
 * (workers read children only for them), the others are not, and settling uses the new index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqliteStore } from './index.js';
import { migrations } from './migrations.generated.js';
import * as sql from './queries.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-sqlite-migration-8-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('marks the jobs of an existing flow that have children, and no other job', async () => {
  const path = join(dir, 'v7.db');
  const db = new Database(path);
  db.transaction(() => {
    db.exec(sql.MIGRATIONS_TABLE_CREATE);
    for (const migration of migrations.filter((m) => m.version <= 7)) {
      db.exec(migration.sql);
      db.prepare(sql.MIGRATION_RECORD).run({ version: migration.version, name: migration.name, checksum: migration.checksum, appliedAt: 0 });
    }
  }).immediate();
  const insert = db.prepare(`INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, max_attempts, created_at, updated_at, flow_id, parent_id)
    VALUES ('t', 'q', '{}', @state, 0, 0, 1, 0, 0, @flowId, @parentId)`);
  // A flow 1 ← 2 ← 3 and 1 ← 4, and a plain job 5.
  insert.run({ state: 'waiting', flowId: 1, parentId: null });
  insert.run({ state: 'waiting', flowId: 1, parentId: 1 });
  insert.run({ state: 'queued', flowId: 1, parentId: 2 });
  insert.run({ state: 'succeeded', flowId: 1, parentId: 1 });
  insert.run({ state: 'queued', flowId: null, parentId: null });
  db.close();

  const store = openSqliteStore({ path });
  try {
    expect((await store.migrations.run({ now: new Date() })).pending).toEqual([]);
    const jobs = await Promise.all(['1', '2', '3', '4', '5'].map((id) => store.jobs.get({ id })));
    expect(jobs.map((job) => job?.hasChildren)).toEqual([true, true, false, false, false]);
  } finally {
    await store.close();
  }
});
