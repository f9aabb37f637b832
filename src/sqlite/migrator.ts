/**
 * Migrations on the SQLite store (`store.migrations`): the history table, and applying what is
 * pending in one BEGIN IMMEDIATE transaction, which is also the lock: a second process starting at
 * the same moment waits, then finds nothing pending.
 */
import { planMigrations } from '../store/migration-plan.js';
import type { AppliedMigration, MigrationStatus, MigrationStore } from '../store/store.js';
import { migrations } from './migrations.generated.js';
import * as sql from './queries.js';
import { appliedMigrationFromRow, type MigrationRow } from './rows.js';
import type { PreparedStatements } from './statements.js';

export class SqliteMigrator implements MigrationStore {
  constructor(private readonly db: PreparedStatements) {}

  async status(): Promise<MigrationStatus> {
    return planMigrations(migrations, this.applied());
  }

  async run(params: { now: Date }): Promise<MigrationStatus> {
    return this.db.immediate(() => {
      this.db.exec(sql.MIGRATIONS_TABLE_CREATE);
      const { pending } = planMigrations(migrations, this.applied());
      for (const migration of migrations.filter((m) => pending.includes(m.version))) {
        this.db.exec(migration.sql);
        this.db.run(sql.MIGRATION_RECORD, { version: migration.version, name: migration.name, checksum: migration.checksum, appliedAt: params.now.getTime() });
      }
      return planMigrations(migrations, this.applied());
    });
  }

  private applied(): AppliedMigration[] {
    // No history table yet means an empty database, not an error.
    if (this.db.get(sql.MIGRATIONS_TABLE_EXISTS) === undefined) return [];
    return this.db.all<MigrationRow>(sql.MIGRATIONS_APPLIED).map(appliedMigrationFromRow);
  }
}
