/**
 * Migration 5 rebuilds `conveyor_jobs` (SQLite cannot widen its state CHECK in place). These tests
 * take a file at version 4 holding jobs, run migration 5 through the store, and check that every row
 * and every index came through, and that the AUTOINCREMENT high-water mark did too: the id of a
 * pruned job must never be handed out again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobInsert } from '../store/store.js';
import { openSqliteStore } from './index.js';
import { migrations } from './migrations.generated.js';
import * as sql from './queries.js';

const at = (ms: number): Date => new Date(1_700_000_000_000 + ms);

function jobInsert(overrides: Partial<JobInsert> = {}): JobInsert {
  return { task: 't', queue: 'q', input: { n: 1 }, priority: 0, runAt: at(0), maxAttempts: 3, dedupKey: null, concurrencyKey: null, traceContext: null, ...overrides };
}

/** The columns a version-4 row has, in the order `insertVersion4Job` binds them. */
const VERSION_4_COLUMNS = [
  'task', 'queue', 'input', 'state', 'priority', 'run_at', 'attempt', 'max_attempts', 'dedup_key', 'progress_fraction', 'progress_message',
  'result', 'errors', 'worker_id', 'lease_expires_at', 'cancel_requested_at', 'created_at', 'started_at', 'finished_at', 'updated_at', 'concurrency_key',
] as const;

type Version4Job = Record<(typeof VERSION_4_COLUMNS)[number], string | number | null>;

function version4Job(overrides: Partial<Version4Job>): Version4Job {
  return {
    task: 't', queue: 'q', input: '{"n":1}', state: 'queued', priority: 0, run_at: 10, attempt: 0, max_attempts: 3, dedup_key: null,
    progress_fraction: null, progress_message: null, result: null, errors: '[]', worker_id: null, lease_expires_at: null,
    cancel_requested_at: null, created_at: 1, started_at: null, finished_at: null, updated_at: 1, concurrency_key: null,
    ...overrides,
  };
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-sqlite-migration-5-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Applies migrations 1–4 and records them the way `migrations.run` does, without the store. */
function migrateToVersion4(db: Database.Database): void {
  db.transaction(() => {
    db.exec(sql.MIGRATIONS_TABLE_CREATE);
    for (const migration of migrations.filter((m) => m.version <= 4)) {
      db.exec(migration.sql);
      db.prepare(sql.MIGRATION_RECORD).run({ version: migration.version, name: migration.name, checksum: migration.checksum, appliedAt: 0 });
    }
  }).immediate();
}

function insertVersion4Job(db: Database.Database, job: Version4Job): number {
  const columns = VERSION_4_COLUMNS.join(', ');
  const placeholders = VERSION_4_COLUMNS.map((column) => `@${column}`).join(', ');
  return Number(db.prepare(`INSERT INTO conveyor_jobs (${columns}) VALUES (${placeholders})`).run(job).lastInsertRowid);
}

/** Every object of the schema but the migration history's rows: tables, indexes, their SQL. */
function schemaOf(db: Database.Database): unknown[] {
  return db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_autoindex_%' ORDER BY type, name").all();
}

function readSchema(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return schemaOf(db);
  } finally {
    db.close();
  }
}

describe('migration 5 (flows) on a database at version 4', () => {
  it('keeps every row and every index, adds the flow columns, and never reuses a pruned id', async () => {
    const path = join(dir, 'v4.db');
    const db = new Database(path);
    migrateToVersion4(db);
    const jobs = [
      version4Job({ state: 'scheduled', run_at: 5000, dedup_key: 'report:1', concurrency_key: 'tenant:1' }),
      version4Job({ state: 'running', attempt: 1, worker_id: 'w', lease_expires_at: 900, started_at: 50, progress_fraction: 0.5, progress_message: 'half' }),
      version4Job({ state: 'failed', attempt: 1, errors: '[{"attempt":1,"message":"boom","stack":null,"at":60}]', input: '[1,"two",null]' }),
      version4Job({ state: 'succeeded', attempt: 1, result: '{"ok":true}', finished_at: 70, updated_at: 70 }),
      version4Job({ state: 'cancelled', cancel_requested_at: 80, finished_at: 81 }),
      version4Job({ state: 'dead', attempt: 3, max_attempts: 3, finished_at: 90, priority: -4 }),
    ];
    const ids = jobs.map((job) => insertVersion4Job(db, job));
    // The newest job is pruned before the upgrade: only the sequence remembers its id.
    const prunedId = insertVersion4Job(db, version4Job({ state: 'succeeded', finished_at: 100 }));
    db.prepare('DELETE FROM conveyor_jobs WHERE id = ?').run(prunedId);
    const rowsBefore = db.prepare(`SELECT id, ${VERSION_4_COLUMNS.join(', ')} FROM conveyor_jobs ORDER BY id`).all();
    db.close();

    const store = openSqliteStore({ path });
    try {
      // Migration 5 and every later one (they follow it in the same run).
      const later = migrations.map((m) => m.version).filter((version) => version >= 5);
      expect(await store.migrations.status()).toMatchObject({ databaseVersion: 4, pending: later });
      expect(await store.migrations.run({ now: at(0) })).toMatchObject({ databaseVersion: Math.max(...later), pending: [] });

      const check = new Database(path, { readonly: true });
      try {
        expect(check.prepare(`SELECT id, ${VERSION_4_COLUMNS.join(', ')} FROM conveyor_jobs ORDER BY id`).all()).toEqual(rowsBefore);
        const flowColumns = check.prepare('SELECT DISTINCT flow_id, parent_id, on_child_failure FROM conveyor_jobs').all();
        expect(flowColumns).toEqual([{ flow_id: null, parent_id: null, on_child_failure: 'fail' }]);
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(check.pragma('foreign_key_check')).toEqual([]);
      } finally {
        check.close();
      }

      // The store reads every migrated row, and the next id is above the pruned one.
      for (const id of ids) expect(await store.jobs.get({ id: String(id) }), `job ${id}`).not.toBeNull();
      const [inserted] = await store.jobs.insertMany({ jobs: [jobInsert()], now: at(0) });
      expect(Number(inserted?.job.id)).toBeGreaterThan(prunedId);
      // The new state is accepted: a flow's root waits for its child.
      const flow = await store.flows.insert({
        jobs: [
          { ...jobInsert(), parentIndex: null, onChildFailure: 'fail' },
          { ...jobInsert(), parentIndex: 0, onChildFailure: 'fail' },
        ],
        now: at(0),
      });
      expect(flow.map((job) => job.state)).toEqual(['waiting', 'queued']);
    } finally {
      await store.close();
    }

    // Migrated or fresh, the file ends with the same tables and indexes, defined the same way.
    const freshPath = join(dir, 'fresh.db');
    const fresh = openSqliteStore({ path: freshPath });
    await fresh.migrations.run({ now: at(0) });
    await fresh.close();
    const migratedSchema = readSchema(path);
    expect(migratedSchema).toEqual(readSchema(freshPath));
    const indexNames = (migratedSchema as Array<{ type: string; tbl_name: string; name: string }>)
      .filter((entry) => entry.type === 'index' && entry.tbl_name === 'conveyor_jobs')
      .map((entry) => entry.name);
    expect(indexNames).toEqual([
      'conveyor_jobs_claim_idx', 'conveyor_jobs_dedup_idx', 'conveyor_jobs_due_idx', 'conveyor_jobs_failure_idx', 'conveyor_jobs_finished_idx', 'conveyor_jobs_flow_idx',
      'conveyor_jobs_lease_idx', 'conveyor_jobs_parent_idx', 'conveyor_jobs_queue_idx', 'conveyor_jobs_running_key_idx', 'conveyor_jobs_state_idx',
      'conveyor_jobs_task_idx', 'conveyor_jobs_unfinished_child_idx', 'conveyor_jobs_waiting_idx', 'conveyor_jobs_worker_idx',
    ]);
  });

  it('keeps the indexes of versions 1 to 4 exactly as they were defined', () => {
    const path = join(dir, 'v4-only.db');
    const db = new Database(path);
    migrateToVersion4(db);
    const version4Indexes = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'conveyor_jobs' ORDER BY name").all();
    db.transaction(() => db.exec(migrations.find((m) => m.version === 5)?.sql ?? 'SELECT missing_migration_5()')).immediate();
    const version5Indexes = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'conveyor_jobs' ORDER BY name").all();
    db.close();
    expect(version4Indexes.length).toBe(10);
    expect(version5Indexes).toEqual(expect.arrayContaining(version4Indexes));
  });

  it('on an empty version-4 table starts ids at 1 and keeps no stale sequence row', async () => {
    const path = join(dir, 'empty.db');
    const db = new Database(path);
    migrateToVersion4(db);
    db.close();
    const store = openSqliteStore({ path });
    try {
      await store.migrations.run({ now: at(0) });
      const [inserted] = await store.jobs.insertMany({ jobs: [jobInsert()], now: at(0) });
      expect(inserted?.job.id).toBe('1');
    } finally {
      await store.close();
    }
    const check = new Database(path, { readonly: true });
    try {
      expect(check.prepare("SELECT name, seq FROM sqlite_sequence WHERE name = 'conveyor_jobs'").all()).toEqual([{ name: 'conveyor_jobs', seq: 1 }]);
    } finally {
      check.close();
    }
  });
});
