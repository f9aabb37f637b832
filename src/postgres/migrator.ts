/**
 * Migrating the PostgreSQL schema: every migration in migrations.generated.ts that the history table
 * does not list, applied in one transaction under an advisory lock, so processes that start together
 * migrate once (the second waits, then finds nothing pending).
 */
import { planMigrations } from '../store/migration-plan.js';
import type { AppliedMigration, MigrationStatus, MigrationStore } from '../store/store.js';
import type { PostgresAccess, Queryable } from './access.js';
import { migrations } from './migrations.generated.js';
import type { PostgresQueries } from './queries.js';
import { appliedMigrationFromRow, type MigrationRow } from './rows.js';

export class PostgresMigrator implements MigrationStore {
  constructor(
    private readonly db: PostgresAccess,
    private readonly sql: PostgresQueries,
    private readonly schema: string,
  ) {}

  async status(): Promise<MigrationStatus> {
    return planMigrations(migrations, await this.readAppliedMigrations(this.db.pool));
  }

  async run(params: { now: Date }): Promise<MigrationStatus> {
    return this.db.transaction(async (client) => {
      // The advisory lock serialises migrating processes: the second one waits, then finds nothing pending.
      await client.query(this.sql.MIGRATION_LOCK, [this.schema]);
      await client.query(this.sql.SCHEMA_CREATE);
      await client.query(this.sql.MIGRATIONS_TABLE_CREATE);
      const { pending } = planMigrations(migrations, await this.readAppliedMigrations(client));
      if (pending.length > 0) await client.query(this.sql.SEARCH_PATH_SET);
      for (const migration of migrations.filter((m) => pending.includes(m.version))) {
        await client.query(migration.sql);
        await client.query(this.sql.MIGRATION_RECORD, [migration.version, migration.name, migration.checksum, params.now]);
      }
      return planMigrations(migrations, await this.readAppliedMigrations(client));
    });
  }

  private async readAppliedMigrations(db: Queryable): Promise<AppliedMigration[]> {
    // No history table yet means an empty database, not an error.
    const exists = await this.db.one<{ present: boolean }>(db, this.sql.MIGRATIONS_TABLE_EXISTS, [this.sql.migrationsTableName]);
    if (exists?.present !== true) return [];
    return (await this.db.all<MigrationRow>(db, this.sql.MIGRATIONS_APPLIED, [])).map(appliedMigrationFromRow);
  }
}
