import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConveyorMigrationError } from '../errors.js';
import { migrationChecksum, planMigrations } from './migration-plan.js';
import type { AppliedMigration, Migration } from './store.js';

function migration(version: number, name: string): Migration {
  const sql = `CREATE TABLE t${version} (id INTEGER); -- ${name}`;
  return { version, name, sql, checksum: migrationChecksum(sql) };
}

function applied(m: Migration, checksum = m.checksum): AppliedMigration {
  return { version: m.version, name: m.name, checksum, appliedAt: new Date('2026-01-01T00:00:00Z') };
}

const SHIPPED = [migration(1, 'init'), migration(2, 'progress'), migration(3, 'workers')] as const;
const [M1, M2, M3] = SHIPPED;

function migrationError(fn: () => unknown): ConveyorMigrationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConveyorMigrationError);
    return error as ConveyorMigrationError;
  }
  throw new Error('expected a ConveyorMigrationError, but nothing was thrown');
}

describe('migrationChecksum', () => {
  it('is the sha256 of the SQL, in lower-case hex', () => {
    expect(migrationChecksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const sql = 'CREATE TABLE conveyor_jobs (id TEXT PRIMARY KEY);';
    expect(migrationChecksum(sql)).toBe(createHash('sha256').update(sql).digest('hex'));
    expect(migrationChecksum(sql)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when the SQL changes by one character', () => {
    expect(migrationChecksum('SELECT 1;')).not.toBe(migrationChecksum('SELECT 1; '));
  });
});

describe('planMigrations', () => {
  it('marks every shipped migration pending on a fresh database', () => {
    expect(planMigrations(SHIPPED, [])).toEqual({ databaseVersion: 0, packageVersion: 3, pending: [1, 2, 3] });
  });

  it('marks the rest pending on a partly migrated database', () => {
    expect(planMigrations(SHIPPED, [applied(M1)])).toEqual({ databaseVersion: 1, packageVersion: 3, pending: [2, 3] });
    expect(planMigrations(SHIPPED, [applied(M1), applied(M2)])).toEqual({ databaseVersion: 2, packageVersion: 3, pending: [3] });
  });

  it('has nothing pending on an up-to-date database, whatever order the history comes in', () => {
    expect(planMigrations(SHIPPED, [applied(M3), applied(M1), applied(M2)])).toEqual({ databaseVersion: 3, packageVersion: 3, pending: [] });
  });

  it('reports version 0 on both sides when nothing is shipped or applied', () => {
    expect(planMigrations([], [])).toEqual({ databaseVersion: 0, packageVersion: 0, pending: [] });
  });

  it('refuses a database migrated by a newer package, naming both versions', () => {
    const newer = migration(4, 'batches');
    const error = migrationError(() => planMigrations(SHIPPED, [applied(M1), applied(M2), applied(M3), applied(newer)]));
    expect(error.message).toContain('The database is at migration version 4');
    expect(error.message).toContain('knows versions up to 3');
    expect(error.message).toContain('has no migration 4 ("batches")');
    expect(error.message).toContain('upgrade this package to a version that ships migration 4');
  });

  it('refuses an applied migration whose checksum differs, naming its version and name', () => {
    const edited = migrationChecksum('CREATE TABLE t2 (id INTEGER, extra TEXT);');
    const error = migrationError(() => planMigrations(SHIPPED, [applied(M1), applied(M2, edited)]));
    expect(error.message).toContain('Migration 2 ("progress")');
    expect(error.message).toContain(`checksum ${edited.slice(0, 12)}…`);
    expect(error.message).toContain(`ships has ${M2.checksum.slice(0, 12)}…`);
    expect(error.message).toContain('database at version 2, package at 3');
    expect(error.message).toContain('restore the original file');
  });

  it('refuses a history with a gap, naming the missing version', () => {
    const error = migrationError(() => planMigrations(SHIPPED, [applied(M1), applied(M3)]));
    expect(error.message).toContain('The database is at migration version 3 but never applied migration 2');
    expect(error.message).toContain('(at version 3)');
  });
});
