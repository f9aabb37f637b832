/**
 * Compares the migrations a database has applied with the ones this package ships.
 * Shared by every store so they refuse to start for the same reasons with the same words (F8).
 */
import { createHash } from 'node:crypto';
import { ConveyorMigrationError } from '../errors.js';
import type { AppliedMigration, Migration, MigrationStatus } from './store.js';

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Returns the status, or throws when the database holds a version this package does not know
 * (newer, or a gap in the numbering) or an applied migration whose checksum differs.
 */
export function planMigrations(known: readonly Migration[], applied: readonly AppliedMigration[]): MigrationStatus {
  const packageVersion = Math.max(0, ...known.map((m) => m.version));
  const databaseVersion = Math.max(0, ...applied.map((m) => m.version));
  const knownByVersion = new Map(known.map((m) => [m.version, m]));
  for (const row of applied) {
    const shipped = knownByVersion.get(row.version);
    if (shipped === undefined) {
      throw new ConveyorMigrationError(
        `The database is at migration version ${databaseVersion}, but this Conveyor package knows versions ` +
          `up to ${packageVersion} and has no migration ${row.version} ("${row.name}"). ` +
          `The database was migrated by a newer Conveyor: upgrade this package to a version that ships migration ${databaseVersion}, ` +
          `or point it at another database.`,
      );
    }
    if (shipped.checksum !== row.checksum) {
      throw new ConveyorMigrationError(
        `Migration ${row.version} ("${row.name}") applied to the database has checksum ${row.checksum.slice(0, 12)}…, ` +
          `but the one this package ships has ${shipped.checksum.slice(0, 12)}… (database at version ${databaseVersion}, ` +
          `package at ${packageVersion}). The migration was edited after it was applied; restore the original file.`,
      );
    }
  }
  const appliedVersions = new Set(applied.map((m) => m.version));
  const pending = known.map((m) => m.version).filter((v) => !appliedVersions.has(v));
  const gap = pending.find((v) => v < databaseVersion);
  if (gap !== undefined) {
    throw new ConveyorMigrationError(
      `The database is at migration version ${databaseVersion} but never applied migration ${gap}, which this package ` +
        `(at version ${packageVersion}) ships. Its history has a gap; restore the database from a backup taken before it diverged.`,
    );
  }
  return { databaseVersion, packageVersion, pending };
}
